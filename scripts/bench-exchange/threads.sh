# Sourced by scripts/bench-exchange.sh and scripts/bench-exchange-pair.sh.
# thread_ticks PID: CPU ticks (user + system) of the server's threads by kind — the async
# workers (requests, the sequencer task), the upkeep thread (the audit spreader, the subject
# index), the journal's syncer, and the rest — as "workers upkeep syncer other".
thread_ticks() {
  cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{
    comm = $0; sub(/^[0-9]+ \(/, "", comm); sub(/\) .*/, "", comm)
    rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ")
    t = f[12] + f[13]   # utime, stime: fields 14 and 15 of the whole line
    if (comm ~ /^tokio-rt-worker/) w += t
    else if (comm ~ /^shuqiao-upkeep/) u += t
    else if (comm ~ /^shuqiao-journal/) j += t
    else o += t
  } END { printf "%d %d %d %d\n", w, u, j, o }'
}
