"""The demo: a sample news site served on loopback, and the spider that crawls it."""
