"""The AWS query protocol driven by botocore's models: parsing, validation, XML answers, paging, errors."""
