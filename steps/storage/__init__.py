"""Readers and writers of files: local directories here; SFTP and cloud stores beside it."""
