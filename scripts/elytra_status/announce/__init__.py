"""Announcements: tell customers, through Apprise, what the public files already show, once."""
