"""Elytra Cloud's public status: read Uptime Kuma and the backups, judge, render, publish. Stages as folders."""
