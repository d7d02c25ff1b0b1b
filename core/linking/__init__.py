"""Entity linking against a knowledge base in the CCKS 2019 format."""
