#!/bin/sh
# A small stand-in for a real training job, for the job_monitor demo: it
# prints one line per step ("step 12/300 loss=1.234"), a note now and then,
# and obeys signals as a well-behaved job does: TERM and INT stop it after
# a last line, STOP and CONT pause and resume it (the kernel does those).
# STEPS (default 300) and STEP_SECONDS (default 0.1) set its length.
steps=${STEPS:-300}
pause=${STEP_SECONDS:-0.1}
i=0
seed=12345

trap 'echo "stopped by TERM at step $i"; exit 143' TERM
trap 'echo "interrupted at step $i"; exit 130' INT

echo "starting: $steps steps of ${pause}s"
while [ "$i" -lt "$steps" ]; do
    i=$((i + 1))
    # A loss in thousandths that falls fast, then slowly, with some noise.
    seed=$(((seed * 1103515245 + 12345) % 2147483648))
    noise=$((seed % 61 - 30))
    loss=$((150 + 220000 / (100 + 2 * i) + noise))
    printf 'step %d/%d loss=%d.%03d\n' "$i" "$steps" $((loss / 1000)) $((loss % 1000))
    if [ $((i % 50)) -eq 0 ]; then echo "checkpoint saved at step $i"; fi
    sleep "$pause"
done
echo "done: $steps steps"
