;; Prototype of session 26 (bench/results/seqwasm-s26.md), not built or shipped. It is exp9's kernel (exp8's with short-circuit tests): an
;; event's occurrences (`run`): the slot lookup over SlotMap's index, `occur`'s common path ($occ, also
;; exported alone as exp2/exp3's kernel), the sketch's add ($add, exp4's) and the field occurrence. The
;; slot table (rows of 32 f64 from byte 0, sequentialSparsity.ts's layout), status, fieldOf, the code →
;; field map, the event's keys and codes and the sketch are in linear memory at offsets set by `init`
;; and `layout`. `run` returns 4k + phase at the first occurrence k that JavaScript must apply, before
;; changing anything JavaScript would redo: phase 0 all of it, 1 its field from the code lookup on, 2 its
;; field's occur. $occ returns 1, writing nothing, at a run or its start, an appeared test, a first count,
;; a stopped slot, a refresh of the ratios (Math.log), a finding or arming. Its JavaScript side is
;; event-dist.diff (against main 93af805's dist). Compile with scripts/wasm.mjs `compileWat`.
(module
  (memory (export "memory") 40)
  ;; rows of 32 f64 (256 bytes) from byte 0; status bytes from $st0
  (global $st0 (mut i32) (i32.const 0))
  (global $fo0 (mut i32) (i32.const 0))
  (global $cs0 (mut i32) (i32.const 0))
  (global $csLen (mut i32) (i32.const 0))
  (global $slots0 (mut i32) (i32.const 0))
  (global $keys0 (mut i32) (i32.const 0))
  (global $codes0 (mut i32) (i32.const 0))
  (global $sk0 (mut i32) (i32.const 0))
  (global $depth (mut i32) (i32.const 0))
  (global $mask (mut i32) (i32.const 0))
  (global $adds (mut i32) (i32.const 0))
  (global $warmup (mut f64) (f64.const 0))
  (global $maxDisp (mut f64) (f64.const 0))
  (global $horizon (mut f64) (f64.const 0))
  (global $armCount (mut f64) (f64.const 0))
  (global $armEvents (mut f64) (f64.const 0))
  (func (export "init") (param i32 f64 f64 f64 f64 f64)
    (global.set $st0 (local.get 0)) (global.set $warmup (local.get 1)) (global.set $maxDisp (local.get 2))
    (global.set $horizon (local.get 3)) (global.set $armCount (local.get 4)) (global.set $armEvents (local.get 5)))
  (func $regular (param $n f64) (param $sum f64) (param $sum2 f64) (result i32)
    (local $mean f64) (local $var f64)
    (if (f64.lt (local.get $n) (f64.const 2)) (then (return (i32.const 1))))
    (if (i32.and (f64.eq (local.get $sum) (f64.const 0)) (f64.eq (local.get $sum2) (f64.const 0))) (then (return (i32.const 1))))
    (local.set $mean (f64.div (local.get $sum) (local.get $n)))
    (local.set $var (f64.max (f64.const 0) (f64.sub (f64.div (local.get $sum2) (local.get $n)) (f64.mul (local.get $mean) (local.get $mean)))))
    (if (f64.eq (local.get $mean) (f64.const 0)) (then (return (f64.eq (local.get $var) (f64.const 0)))))
    (f64.le (local.get $var) (f64.mul (f64.mul (global.get $maxDisp) (local.get $mean)) (f64.add (local.get $mean) (f64.const 1)))))
  ;; 0: applied; 1: nothing changed, JavaScript applies it
  (func $occ (export "occur") (param $slot i32) (param $t f64) (param $h f64) (result i32)
    (local $o i32) (local $status i32) (local $tested i32)
    (local $c f64) (local $last f64) (local $gapN f64) (local $gapSum f64) (local $gapSum2 f64)
    (local $gap f64) (local $exposure f64) (local $e1 f64) (local $q0 f64) (local $rate f64)
    (local $peak f64) (local $down f64) (local $afterGap f64) (local $up f64) (local $cusum i32)
    (local $e f64) (local $cnt f64) (local $half i32) (local $mean f64) (local $var f64)
    (local.set $o (i32.shl (local.get $slot) (i32.const 8)))
    ;; RUN_FROM 0
    (if (f64.ne (f64.load (local.get $o)) (f64.const 0)) (then (return (i32.const 1))))
    (local.set $c (f64.load offset=32 (local.get $o)))
    (local.set $last (f64.load offset=8 (local.get $o)))
    (local.set $gapN (f64.load offset=48 (local.get $o)))
    (local.set $gapSum (f64.load offset=56 (local.get $o)))
    (local.set $gapSum2 (f64.load offset=160 (local.get $o)))
    (local.set $status (i32.load8_u (i32.add (global.get $st0) (local.get $slot))))
    (local.set $tested (i32.and (i32.eq (local.get $status) (i32.const 1)) (f64.gt (local.get $t) (global.get $warmup))))
    (if (local.get $tested) (then
      (if (f64.eq (local.get $last) (f64.sub (local.get $t) (f64.const 1))) (then
        (if (f64.eq (local.get $gapSum) (f64.const 0)) (then
          (if (f64.eq (local.get $gapSum2) (f64.const 0)) (then (return (i32.const 1))))))))))
    ;; APPEAR_FROM > 0, count 0, stopped
    (if (f64.gt (f64.load offset=64 (local.get $o)) (f64.const 0)) (then (return (i32.const 1))))
    (if (f64.eq (local.get $c) (f64.const 0)) (then (return (i32.const 1))))
    (if (i32.eq (local.get $status) (i32.const 2)) (then (return (i32.const 1))))
    (local.set $gap (f64.sub (f64.sub (local.get $t) (local.get $last)) (f64.const 1)))
    (local.set $exposure (f64.load offset=40 (local.get $o)))
    (if (local.get $tested) (then
      (local.set $cusum (block $reg (result i32)
        (drop (br_if $reg (i32.const 1) (f64.lt (local.get $gapN) (f64.const 2))))
        (drop (br_if $reg (i32.const 1) (i32.and (f64.eq (local.get $gapSum) (f64.const 0)) (f64.eq (local.get $gapSum2) (f64.const 0)))))
        (local.set $mean (f64.div (local.get $gapSum) (local.get $gapN)))
        (local.set $var (f64.sub (f64.div (local.get $gapSum2) (local.get $gapN)) (f64.mul (local.get $mean) (local.get $mean))))
        (local.set $var (select (local.get $var) (f64.const 0) (f64.gt (local.get $var) (f64.const 0))))
        (drop (br_if $reg (f64.eq (local.get $var) (f64.const 0)) (f64.eq (local.get $mean) (f64.const 0))))
        (f64.le (local.get $var) (f64.mul (f64.mul (global.get $maxDisp) (local.get $mean)) (f64.add (local.get $mean) (f64.const 1))))))))
    (if (local.get $cusum) (then
      (local.set $e1 (f64.add (local.get $exposure) (f64.const 1)))
      (local.set $rate (f64.load offset=72 (local.get $o)))
;; llrCurrent(c, e1, rate), short-circuit (its operands are positive here, so min is a select)
      (block $current
        (if (f64.ge (local.get $c) (f64.const 1)) (then
          (if (f64.ge (f64.sub (local.get $e1) (local.get $c)) (f64.const 0.5)) (then
            (if (f64.le (local.get $e1) (f64.const 1e11)) (then
              (br_if $current (f64.le (f64.abs (f64.sub (local.get $c) (f64.mul (local.get $rate) (local.get $e1))))
                (f64.mul (f64.const 0.009)
                  (select (local.get $c) (f64.sub (local.get $e1) (local.get $c))
                    (f64.lt (local.get $c) (f64.sub (local.get $e1) (local.get $c)))))))))))))
        ;; clampRate(c / e1): the quotient is positive and finite
        (local.set $q0 (f64.div (local.get $c) (local.get $e1)))
        (local.set $q0 (select (local.get $q0) (f64.const 1e-12) (f64.gt (local.get $q0) (f64.const 1e-12))))
        (local.set $q0 (select (local.get $q0) (f64.sub (f64.const 1) (f64.const 1e-12)) (f64.lt (local.get $q0) (f64.sub (f64.const 1) (f64.const 1e-12)))))
        (if (f64.gt (f64.abs (f64.sub (local.get $q0) (local.get $rate)))
              (f64.mul (f64.const 0.01) (select (local.get $q0) (f64.sub (f64.const 1) (local.get $q0)) (f64.lt (local.get $q0) (f64.sub (f64.const 1) (local.get $q0))))))
          (then (return (i32.const 1)))))
      (local.set $peak (f64.add (f64.load offset=80 (local.get $o)) (f64.mul (local.get $gap) (f64.load offset=88 (local.get $o)))))
      (if (f64.ge (local.get $peak) (local.get $h)) (then (return (i32.const 1))))
      (local.set $down (f64.add (local.get $peak) (f64.load offset=96 (local.get $o))))
      (local.set $afterGap (f64.add (f64.load offset=120 (local.get $o)) (f64.mul (local.get $gap) (f64.load offset=128 (local.get $o)))))
      (local.set $up (f64.add
        (select (f64.const 0) (local.get $afterGap) (f64.le (local.get $afterGap) (f64.const 0)))
        (f64.load offset=136 (local.get $o))))
      (if (f64.ge (local.get $up) (local.get $h)) (then (return (i32.const 1))))))
    (local.set $e (f64.add (local.get $exposure) (f64.add (local.get $gap) (f64.const 1))))
    (local.set $cnt (f64.add (local.get $c) (f64.const 1)))
    (local.set $half (f64.gt (local.get $e) (global.get $horizon)))
    ;; arming is JavaScript's (the heap)
    (if (i32.eqz (local.get $status)) (then
      (if (i32.and
            (f64.ge (select (f64.mul (local.get $cnt) (f64.const 0.5)) (local.get $cnt) (local.get $half)) (global.get $armCount))
            (f64.ge (select (f64.mul (local.get $e) (f64.const 0.5)) (local.get $e) (local.get $half)) (global.get $armEvents)))
        (then (return (i32.const 1))))))
    ;; from here on, writes (in occur's order)
    (if (f64.gt (local.get $gap) (f64.load offset=168 (local.get $o))) (then (f64.store offset=168 (local.get $o) (local.get $gap))))
    (if (local.get $cusum) (then
      (if (f64.le (local.get $down) (f64.const 0))
        (then
          (f64.store offset=80 (local.get $o) (f64.const 0))
          (f64.store offset=104 (local.get $o) (local.get $t))
          (f64.store offset=112 (local.get $o) (f64.const 0)))
        (else
          (f64.store offset=80 (local.get $o) (local.get $down))
          (f64.store offset=112 (local.get $o) (f64.add (f64.load offset=112 (local.get $o)) (f64.const 1)))))
      (if (f64.le (local.get $afterGap) (f64.const 0))
        (then
          (f64.store offset=144 (local.get $o) (f64.sub (local.get $t) (f64.const 1)))
          (f64.store offset=152 (local.get $o) (f64.const 0))))
      (f64.store offset=120 (local.get $o) (local.get $up))
      (f64.store offset=152 (local.get $o) (f64.add (f64.load offset=152 (local.get $o)) (f64.const 1)))))
    (f64.store offset=48 (local.get $o) (f64.add (local.get $gapN) (f64.const 1)))
    (f64.store offset=56 (local.get $o) (f64.add (local.get $gapSum) (local.get $gap)))
    (f64.store offset=160 (local.get $o) (f64.add (local.get $gapSum2) (f64.mul (local.get $gap) (local.get $gap))))
    (f64.store offset=32 (local.get $o) (local.get $cnt))
    (f64.store offset=40 (local.get $o) (local.get $e))
    (f64.store offset=8 (local.get $o) (local.get $t))
    (if (local.get $half) (then
      (f64.store offset=32 (local.get $o) (f64.mul (f64.load offset=32 (local.get $o)) (f64.const 0.5)))
      (f64.store offset=40 (local.get $o) (f64.mul (f64.load offset=40 (local.get $o)) (f64.const 0.5)))
      (f64.store offset=48 (local.get $o) (f64.mul (f64.load offset=48 (local.get $o)) (f64.const 0.5)))
      (f64.store offset=56 (local.get $o) (f64.mul (f64.load offset=56 (local.get $o)) (f64.const 0.5)))
      (f64.store offset=160 (local.get $o) (f64.mul (f64.load offset=160 (local.get $o)) (f64.const 0.5)))
      (f64.store offset=24 (local.get $o) (f64.mul (f64.load offset=24 (local.get $o)) (f64.const 0.5)))))
    (i32.const 0))
  (func (export "layout") (param i32 i32 i32 i32 i32 i32 i32 i32 i32)
    (global.set $fo0 (local.get 0)) (global.set $cs0 (local.get 1)) (global.set $csLen (local.get 2))
    (global.set $slots0 (local.get 3)) (global.set $keys0 (local.get 4)) (global.set $codes0 (local.get 5))
    (global.set $sk0 (local.get 6)) (global.set $depth (local.get 7)) (global.set $mask (local.get 8)))
  (func (export "takeAdds") (result i32) (local $a i32)
    (local.set $a (global.get $adds)) (global.set $adds (i32.const 0)) (local.get $a))
  (func $add (param $key i32)
    (local $r i32) (local $at i32) (local $p i32) (local $h i32)
    (local.set $at (i32.add (global.get $sk0) (i32.const 64)))
    (loop $rows
      (local.set $h (i32.xor (local.get $key) (i32.load (i32.add (global.get $sk0) (i32.shl (local.get $r) (i32.const 2))))))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
      (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
      (local.set $p (i32.add (local.get $at) (i32.shl (i32.and (local.get $h) (global.get $mask)) (i32.const 3))))
      (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.const 1)))
      (local.set $at (i32.add (local.get $at) (i32.shl (i32.add (global.get $mask) (i32.const 1)) (i32.const 3))))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (global.get $depth)))))
  ;; occurrences k .. n − 1 of the event: returns 4k + phase at the first JavaScript must apply
  ;; (0 all of it, 1 its field from the lookup on, 2 its field's occur), 4n when done
  (func (export "run") (param $k i32) (param $n i32) (param $t f64) (param $h f64) (param $sketchOnly i32)
    (param $cells i32) (param $cmask i32) (param $shift i32) (result i32)
    (local $slot i32) (local $field i32) (local $code i32) (local $entry i32) (local $o i32)
    (local $key i32) (local $i i32) (local $ck i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $k) (local.get $n)))
        ;; SlotMap.slotOf over its index (negative keys and ODD slots: JavaScript's)
        (local.set $key (i32.load (i32.add (global.get $keys0) (i32.shl (local.get $k) (i32.const 2)))))
        (if (i32.lt_s (local.get $key) (i32.const 0)) (then (return (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $i (i32.shr_u (i32.mul (local.get $key) (i32.const 0x9e3779b1)) (local.get $shift)))
        (block $found
          (loop $probe
            (local.set $ck (i32.load (i32.add (local.get $cells) (i32.shl (local.get $i) (i32.const 3)))))
            (if (i32.eq (local.get $ck) (local.get $key))
              (then
                (local.set $slot (i32.load offset=4 (i32.add (local.get $cells) (i32.shl (local.get $i) (i32.const 3)))))
                (if (i32.eq (local.get $slot) (i32.const -1)) (then (return (i32.shl (local.get $k) (i32.const 2)))))
                (br $found)))
            (if (i32.eq (local.get $ck) (i32.const -1))
              (then (local.set $slot (i32.const -1)) (br $found)))
            (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (local.get $cmask)))
            (br $probe)))
        (i32.store (i32.add (global.get $slots0) (i32.shl (local.get $k) (i32.const 2))) (local.get $slot))
        (if (i32.ge_s (local.get $slot) (i32.const 0))
          (then
            (if (call $occ (local.get $slot) (local.get $t) (local.get $h))
              (then (return (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $field (i32.load (i32.add (global.get $fo0) (i32.shl (local.get $slot) (i32.const 2))))))
          (else
            (if (i32.eqz (local.get $sketchOnly)) (then (return (i32.shl (local.get $k) (i32.const 2)))))
            (call $add (i32.load (i32.add (global.get $keys0) (i32.shl (local.get $k) (i32.const 2)))))
            (global.set $adds (i32.add (global.get $adds) (i32.const 1)))
            (local.set $code (i32.load (i32.add (global.get $codes0) (i32.shl (local.get $k) (i32.const 2)))))
            (if (i32.or (i32.eqz (local.get $code)) (i32.ge_u (local.get $code) (global.get $csLen)))
              (then (return (i32.add (i32.shl (local.get $k) (i32.const 2)) (i32.const 1)))))
            (local.set $entry (i32.load (i32.add (global.get $cs0) (i32.shl (local.get $code) (i32.const 2)))))
            (if (i32.eqz (local.get $entry))
              (then (return (i32.add (i32.shl (local.get $k) (i32.const 2)) (i32.const 1)))))
            (local.set $field (i32.sub (local.get $entry) (i32.const 3)))))
        (if (i32.ge_s (local.get $field) (i32.const 0))
          (then
            (local.set $o (i32.shl (local.get $field) (i32.const 8)))
            (f64.store offset=24 (local.get $o) (f64.add (f64.load offset=24 (local.get $o)) (f64.const 1)))
            (if (i32.or (f64.ne (f64.load offset=8 (local.get $o)) (local.get $t)) (f64.eq (f64.load offset=32 (local.get $o)) (f64.const 0)))
              (then
                (if (call $occ (local.get $field) (local.get $t) (local.get $h))
                  (then (return (i32.add (i32.shl (local.get $k) (i32.const 2)) (i32.const 2)))))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (i32.shl (local.get $n) (i32.const 2)))
)
