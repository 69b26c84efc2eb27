"""What an operator sees of a running server: Prometheus metrics (`--metrics`, `--metrics-port`) and one JSON log
line per request (`--log-format json`), both off unless asked for (docs/deploy.md, "Watching it run").

Nothing here is domain: the domain reports code checks through a subclass of its verifier built at bootstrap
(code_checks.py), the API and the console name the request they answer on its record (record.py), and the store
reports its pool through a callback (store/observation.py). prometheus_client is imported only when metrics are on.
"""
