"""Reference data the service seeds: ``data/`` holds one YAML file per table, each a list of
rows keyed by the model's column names."""
