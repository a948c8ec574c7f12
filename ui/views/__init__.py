"""Views: one results view for any set, and the pages' other panels."""
