"""Studies of the synthetic benchmark (run by ``tools/studies/``)."""
