"""Where new credentials go: private files, age-encrypted files; the generated password."""
