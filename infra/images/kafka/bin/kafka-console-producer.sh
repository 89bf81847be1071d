#!/usr/bin/env bash
# Produce records from stdin.
exec "$(dirname "$0")/kafka-run-class.sh" org.apache.kafka.tools.ConsoleProducer "$@"
