#!/usr/bin/env bash
# Format or inspect KRaft storage directories.
exec "$(dirname "$0")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
