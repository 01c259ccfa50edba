"""Exercise profiles as data (profile.py) and the catalogue of every exercise (catalogue.py)."""
