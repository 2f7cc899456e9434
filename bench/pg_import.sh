#!/bin/bash
# The PostgreSQL import beside SQLite's, side by side in one run (docs/benchmarks.md):
# the first import of the same files into a fresh SQLite file and a fresh PostgreSQL
# database, alternating. Make the files with `spor bench generate --decisions 1000000
# --out /tmp/pgdata`; BIN is a release build of spor.
BIN=${BIN:-target/release/spor}
DATA=${DATA:-/tmp/pgdata}
ROUNDS=${ROUNDS:-3}
for round in $(seq 1 $ROUNDS); do
  rm -f /tmp/x.db /tmp/x.db-wal /tmp/x.db-shm
  /usr/bin/time -f "round $round sqlite %e s %M KB" $BIN --db /tmp/x.db import $DATA/*.csv > /dev/null
  psql -h 127.0.0.1 -U postgres -qc 'drop database if exists imp' -c 'create database imp' 2>/dev/null
  /usr/bin/time -f "round $round postgres %e s %M KB" $BIN --db postgres://postgres@127.0.0.1:5432/imp import $DATA/*.csv > /dev/null
done
