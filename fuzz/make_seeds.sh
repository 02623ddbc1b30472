#!/usr/bin/env bash
# Regenerates the committed seed corpus in fuzz/seeds/ (small hand-made inputs that
# reach every operation of each target). The byte layouts are documented at the top of
# each fuzz_targets/*.rs file. Usage: fuzz/make_seeds.sh
set -euo pipefail
cd "$(dirname "$0")"

# seed TARGET NAME HEX...: writes the bytes given in hex to seeds/TARGET/NAME.
seed() {
    local target=$1 name=$2
    shift 2
    mkdir -p "seeds/$target"
    local hex
    hex=$(printf '%s' "$*" | tr -d ' ')
    printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" >"seeds/$target/$name"
}

# ring_model: byte 0 = capacity - 1 (mod 8); then one byte per operation, high nibble:
# 0 push, 1-2 try_push, 3 push_timeout(0), 4 push_deadline(now), 5 pop, 6-7 try_pop,
# 8 pop_timeout(0), 9 pop_deadline(now), a close, b close_and_drain, c-d task_done,
# e try_iter.take(low nibble) (low nibble >= 12: join), f iter.take(low nibble).
seed ring_model fill_drain_cap1     00 10 10 30 40 00 60 60 80 90 c0 c0 c0 ec
seed ring_model wrap_laps_cap3      02 10 10 10 10 60 10 50 10 60 60 10 10 60 60 60 10 10 10 e3 10 10 10 f3 e1
seed ring_model close_then_all_ops  03 10 10 a0 a0 10 00 30 40 50 60 80 90 60 50 c0 c0 c0 ec
seed ring_model close_and_drain     07 10 10 10 10 10 60 c0 b0 b0 60 ec c0 00 f5
seed ring_model iterators_cap6      05 10 10 10 10 e2 f1 10 10 10 e0 a0 10 ff e5
seed ring_model tasks_and_join      01 10 60 c0 ec 10 10 60 60 c0 c0 c0 ec 10 b0 ec
seed ring_model full_and_empty      00 50 60 80 90 10 30 40 00 10 80 90 50 60 f4 e4 ec
seed ring_model cap8_fill           07 10 10 10 10 10 10 10 10 10 30 40 e8 10 10 10 10 10 10 10 10 a0

# ring_concurrent: byte 0 = setup: bits 0-1 capacity - 1, bit 2 three workers, bit 3
# drainer, bit 4 join before close, bits 5-6 final drain (0-1 try_iter, 2
# close_and_drain, 3 pop loop). Then bytes dealt round-robin to the workers:
# byte % 8: 0-1 try_push, 2 push_timeout, 3-4 try_pop, 5 pop_timeout, 6 try_iter,
# 7 check (close when byte / 8 % 8 == 7, i.e. 0x3f, 0x7f, 0xbf, 0xff); byte / 8 % 4
# picks the timeout: 0, 5 us, 100 us, 1 ms.
seed ring_concurrent spsc_cap1_timed    00 12 15 12 15 12 15 12 15 12 15 12 15 12 15 12 15
seed ring_concurrent mpmc_cap4_drainer_join  1f 00 03 00 00 03 00 00 03 00 00 03 00 00 03 00 00 03 00
seed ring_concurrent close_midway_cap2  01 00 03 00 03 00 03 3f 03 00 05 00 03 00 03 00 04
seed ring_concurrent leftovers_close_and_drain 43 00 00 00 00 00 00 08 08 01 01
seed ring_concurrent try_iter_pop_loop  64 02 1e 02 02 1e 02 02 1e 02 0a 0e 0a
seed ring_concurrent drainer_only_cap1  08 1a 1a 1a 1a 1a 1a 1a 1a 00 00 00 00
seed ring_concurrent close_races_cap3   26 00 00 3f 00 7f 03 0d 05 02 bf 03 00

# queue_model: every byte is one operation, high nibble: 0 push, 1-2 push n, 3 pop,
# 4 try_pop, 5 pop_timeout(0), 6 pop_deadline(now), 7-8 try_pop n times, 9 close,
# a close_and_drain, b task_done, c try_iter.take(n), d iter.take(n), e n rounds of
# push + try_pop, f join (low nibble < 8) or task_done for everything popped + join.
# n = [1 2 3 5 8 13 21 30 31 32 33 47 62 63 64 100][low nibble]. The input length mod 3
# picks the end: 0 drop, 1 into_iter, 2 into_iter half then drop. Blocks hold 31 items.
seed queue_model single_ops          00 00 30 40 40 50 60 b0 b0 b0 f0
seed queue_model block_boundaries    18 78 19 79 17 40 40 f8
seed queue_model bulk_cross_blocks   1f 7e 1c cb da 8f f8
seed queue_model cycle_spare_reuse   13 ef ee f8 18 00
seed queue_model close_then_all_ops  1a 90 90 00 12 30 40 50 60 7f d3 c3 30 40 b0 f8
seed queue_model close_and_drain     1c 74 a0 a0 40 b0 f0 00 f8
seed queue_model tasks_and_join      00 40 b0 f0 1f 8f b0 f0 f8 b0
seed queue_model drop_with_blocks    2f 1f 7c 1c 00 00

# queue_concurrent: byte 0 = setup: bit 2 three workers, bit 3 drainer, bit 4 join
# before close, bits 5-6 final drain (0-1 try_iter, 2 close_and_drain, 3 pop loop).
# Then bytes dealt round-robin to the workers: byte % 8: 0 push, 1 push n, 2 try_pop,
# 3 timed pop, 4 try_pop up to n times, 5 try_iter.take(n), 6 n rounds of push +
# try_pop, 7 check (close when byte / 8 % 8 == 7, i.e. 0x3f, 0x7f, 0xbf, 0xff);
# n = [1 3 8 30 31 32 62 100][byte / 8 % 8]; a timed pop waits [0, 5 us, 100 us,
# 1 ms][byte / 8 % 4] with pop_timeout (byte / 32 even) or pop_deadline (odd).
seed queue_concurrent spsc_bulk              00 39 3c 39 3c 31 1b 00 3c
seed queue_concurrent mpmc_drainer_join      1c 39 39 3c 31 21 3e 39 3c 13
seed queue_concurrent close_midway_drain     40 39 3c 3f 39 00 3c 31 2b
seed queue_concurrent cycles_spare           04 3e 3e 3e 36 36 36 26 26 26
seed queue_concurrent leftovers_pop_loop     60 39 31 39 29 00 00
seed queue_concurrent drainer_only           08 39 39 31 31 21 21 00 00
seed queue_concurrent close_races            2c 39 39 3f 3c 7f 3b 31 bf 3d 00 02 2d
seed queue_concurrent deadline_pops          64 3b 39 2b 3b 31 1b 3b 21 0b

# stack_model: byte 0 picks the stack: byte % 9 == 0 unbounded, else bounded(byte % 9);
# then one byte per operation, high nibble: 0 push, 1 try_push, 2 push_timeout(0),
# 3 push_deadline(now), 4 try_push n, 5 pop, 6 try_pop, 7 pop_timeout(0),
# 8 pop_deadline(now), 9 try_pop n, a close, b close_and_drain, c task_done,
# d try_iter.take(n), e iter.take(n), f join (low nibble 0-3), task_done for everything
# popped + join (4-7) or n rounds of try_push + try_pop (8-f, n = the list below at
# low nibble - 8). n = [1 2 3 4 5 6 7 8 9 12 16 24 32 64 100 200][low nibble]. The
# input length mod 3 picks the end: 0 drop, 1 into_iter, 2 into_iter half then drop.
seed stack_model single_ops_unbounded 00 00 10 20 30 50 60 70 80 60 c0 c0 c0 c0 c0 f0
seed stack_model full_cap1           01 00 10 20 30 40 60 10 50 c0 c0 c0 fc
seed stack_model fill_drain_cap8     08 47 10 20 30 9f f4 47 de
seed stack_model deep_unbounded      09 4f 4f 9e d9 e9 f4 4e 00 f4
seed stack_model close_then_all_ops  03 00 00 a0 a0 00 10 20 30 40 50 60 70 80 93 d3 e3 c0 c0 c0 f0
seed stack_model close_and_drain     05 43 b0 b0 60 c0 f0 00 f4
seed stack_model tasks_and_join      00 00 60 c0 f0 00 00 60 60 c0 c0 c0 f0 00 b0 f0
seed stack_model cycles_cap2         02 fb ff 00 f8 4f 9f fa
seed stack_model into_iter_half      00 4d 65 00 00
seed stack_model drop_with_items     04 4f 4f 60 60 60

# stack_concurrent: byte 0 = setup: bits 0-1 the stack (unbounded, bounded 1, 2, 5),
# bit 2 three workers, bit 3 drainer, bit 4 join before close, bits 5-6 final drain
# (0-1 try_iter, 2 close_and_drain, 3 pop loop). Then bytes dealt round-robin to the
# workers: byte % 8: 0 one push, 1 push n, 2 try_pop, 3 timed pop, 4 try_pop up to n
# times, 5 try_iter.take(n), 6 n rounds of push + try_pop, 7 check (close when
# byte / 8 % 8 == 7, i.e. 0x3f, 0x7f, 0xbf, 0xff); n = [1 2 3 5 8 16 32 100][byte / 8 %
# 8]. A single push's kind is byte / 8 % 4: 0 push (blocking when that cannot park
# forever: unbounded, or a drainer runs; try_push otherwise), 1 try_push, 2
# push_timeout, 3 push_deadline, waiting [0, 5 us, 100 us, 1 ms][byte / 32 % 4]; bulk
# pushes use kind 0. A timed pop waits [0, 5 us, 100 us, 1 ms][byte / 8 % 4] with
# pop_timeout (byte / 32 even) or pop_deadline (odd).
seed stack_concurrent spsc_bulk              00 39 3c 39 3c 31 1b 00 3c
seed stack_concurrent mpmc_drainer_join      1c 39 39 3c 31 21 3e 39 3c 13
seed stack_concurrent close_midway_drain     40 39 3c 3f 39 00 3c 31 2b
seed stack_concurrent cycles_aba             04 3e 3e 3e 36 36 36 26 26 26
seed stack_concurrent leftovers_pop_loop     60 39 31 39 29 00 00
seed stack_concurrent own_lifo               00 21 21 14 14 21 21 2c 2c 21 0c
seed stack_concurrent cap1_drainer_blocking  09 39 39 39 00 00 00 31 31
seed stack_concurrent cap2_timed             02 70 1b 70 1b 58 3b 70 13 08 02
seed stack_concurrent cap5_close_races       2f 39 39 3f 3c 7f 3b 31 bf 3d 00 70 2d
seed stack_concurrent cap1_close_and_drain   41 08 08 08 70 70 70 07 07

# priority_model: byte 0 picks the queue: byte % 9 == 0 unbounded (default() if byte >=
# 0x80, else new()), else bounded(byte % 9); then one byte per operation, high nibble:
# 0-1 one push, of kind low nibble % 4 (push, try_push, push_timeout(0),
# push_deadline(now)) and priority low nibble / 4 (plus 4 for high nibble 1); 2-5
# try_push n, priorities scattered (2), all 3 (3), ascending (4), descending (5); 6 a pop
# of kind low nibble % 4 (pop, try_pop, pop_timeout(0), pop_deadline(now)), 1 + low
# nibble / 4 times; 7 try_pop n; 8 close (low nibble 0-7) or close_and_drain (8-f); 9
# task_done; a try_iter.take(n); b iter.take(n); c join (low nibble 0-3), task_done for
# everything popped + join (4-7) or n rounds of try_push (all 3) + try_pop (8-f, n = the
# list below at low nibble - 8); d n rounds of try_push (scattered) + try_pop; e a
# poisoned push of kind low nibble % 4 whose comparison number [1 2 4 8][low nibble / 4]
# panics; f n rounds of try_push (all 0) + try_pop. n = [1 2 3 4 5 6 7 8 9 12 16 24 32
# 64 100 200][low nibble]. The input length mod 3 picks the end: 0 drop, 1 into_iter,
# 2 into_iter half then drop.
seed priority_model single_ops_unbounded 00 0d 01 15 1a 06 0b 1f 00 60 61 62 63 6d 90 90 c4 c0
seed priority_model full_cap1           01 00 01 02 03 0f 61 01 60 90 90 90 c0
seed priority_model fill_drain_cap8     08 27 15 1e 0f 7f c4 47 5b 88 c0
seed priority_model stability_equal     00 3e 7b 3e cc fb 7f c4
seed priority_model deep_removal        09 2f 7f 2f 4f 7e 5f 7f c4 2e df
seed priority_model close_then_all_ops  03 00 0e 80 80 00 01 02 03 2f 60 61 62 63 7f a3 b3 90 90 90 c0
seed priority_model close_and_drain     05 24 88 88 61 90 c0 00 c4
seed priority_model tasks_and_join      00 00 61 90 c0 00 00 61 61 90 90 90 c0 00 88 c0
seed priority_model poison_unbounded    00 e0 e1 00 05 e0 e1 e2 e3 e4 e8 ec 2f e5 ea ef 7f e0 80 e1 c4
seed priority_model poison_cap2         02 00 e1 e2 e3 e0 61 e1 61 61 e0 05 e1 e0 c4 e9
seed priority_model iterators           80 3a a3 b3 2b 80 bf
seed priority_model into_iter_half      00 2d 65 00 00
seed priority_model drop_with_items     04 2f 2f 61 61 61

# priority_concurrent: byte 0 = setup: bits 0-1 the queue (unbounded, bounded 1, 2, 5),
# bit 2 three workers, bit 3 drainer, bit 4 join before close, bits 5-6 final drain (0-1
# try_iter, 2 close_and_drain, 3 pop loop), bit 7 the clock (order checked across
# threads). Then bytes dealt round-robin to the workers: byte % 8: 0 one push, 1 push n,
# 2 try_pop, 3 timed pop, 4 try_pop up to n times, 5 try_iter.take(n), 6 n rounds of push
# + try_pop, 7 check: byte / 8 % 8 = 4 a poisoned try_push (0x27 0x67 0xa7 0xe7), 5 a
# poisoned push_timeout (0x2f 0x6f 0xaf 0xef), 6 a poisoned push (0x37 0x77 0xb7 0xf7),
# 7 close (0x3f 0x7f 0xbf 0xff). n = [1 2 3 5 8 16 32 100][byte / 8 % 8]; push n and the
# rounds give their items the priorities [scattered, all 3, ascending,
# descending][byte / 64]. A single push's kind is byte / 8 % 4 (0 push: blocking when
# that cannot park forever, unbounded or a drainer runs, try_push otherwise; 1 try_push;
# 2 push_timeout; 3 push_deadline), its priority byte / 32 (0-7), and a timed one waits
# [0, 5 us, 100 us, 1 ms][priority % 4]. A timed pop waits [0, 5 us, 100 us, 1
# ms][byte / 8 % 4] with pop_timeout (byte / 32 even) or pop_deadline (odd). A poisoned
# push panics at its comparison number [1 2 4 8][byte / 64] (and its push_timeout waits
# [0, 5 us, 100 us, 1 ms][byte / 64]).
seed priority_concurrent spsc_bulk              00 39 3c 39 3c 31 1b 00 3c
seed priority_concurrent mpmc_drainer_join      1c 39 79 3c b9 21 3e f9 3c 13
seed priority_concurrent equal_fifo_clocked     80 79 3c 79 3c 7e 7e 7e 7c
seed priority_concurrent own_order              00 e0 02 c0 02 a0 02 2c 02 00 02 20 02 2c 02
seed priority_concurrent close_midway_drain     40 39 3c 3f 39 00 3c 31 2b
seed priority_concurrent poison_races_clocked   8c 39 27 3c 67 37 a7 3c e7 2f 77 3e 6f 39 e7
seed priority_concurrent poison_cap1_blocking   09 39 27 37 3c 37 67 39 77 00 37
seed priority_concurrent cap2_timed             02 70 1b 70 1b 58 3b 70 13 08 02
seed priority_concurrent cap5_close_races       af 39 79 3f 3c 7f 3b 31 bf 3d 00 70 2d
seed priority_concurrent leftovers_pop_loop     e0 39 31 b9 29 00 00
seed priority_concurrent cap1_close_and_drain   41 08 08 08 70 70 70 07 07

# lock_concurrent: byte 0 = setup: bit 0 three workers, bit 1 the main thread holds the
# lock while the workers start. Then bytes dealt round-robin to the workers: byte % 8:
# 0 acquire, 1 try_acquire, 2 acquire_timeout, 3 acquire_deadline, 4 lock (guard),
# 5 try_lock, 6 lock_timeout, 7 a locked() snapshot and a yield; byte / 8 % 4 the
# timeout [0, 5 us, 100 us, 1 ms]; byte / 32 the yields inside the critical section.
seed lock_concurrent two_blocking           00 00 00 04 04 00 00 04 04 00 00
seed lock_concurrent three_long_holds       01 e0 e4 e0 e4 e0 e4 e0 e4 e0 e4 e0 e4
seed lock_concurrent queued_behind_main     03 00 04 00 04 00 04 20 24 20
seed lock_concurrent timed_races            01 1a 9a 1e 12 96 1a 03 1b 0b e0 1e 16
seed lock_concurrent try_and_snapshots      00 01 05 07 01 05 07 21 25 27
seed lock_concurrent mixed_contention       03 e0 1a 05 c4 9e 01 a0 13 07 e4 16 00
