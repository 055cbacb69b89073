"""The network: partner institutions, contact persons, cooperation status, Gremien, coverage."""
