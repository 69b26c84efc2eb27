"""awsapi"""
