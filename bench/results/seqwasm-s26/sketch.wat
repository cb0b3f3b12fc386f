;; Prototype of session 26 (bench/results/seqwasm-s26.md), not built or shipped: CountMinSketch.add for
;; a power-of-two width (mask = width − 1), seeds as i32 at bytes 0..63, counters from byte 64.
(module
  (memory (export "memory") 3)
  ;; seeds at 0..63 (i32 x 16), counts from 64
  (func $mix (param $h i32) (result i32)
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
    (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
    (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
  (func (export "add") (param $key i32) (param $count f64) (param $depth i32) (param $mask i32)
    (local $r i32) (local $at i32) (local $p i32) (local $h i32)
    (local.set $at (i32.const 64))
    (loop $rows
      (local.set $h (i32.xor (local.get $key) (i32.load (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
      (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
      (local.set $p (i32.add (local.get $at)
        (i32.shl (i32.and (local.get $h) (local.get $mask)) (i32.const 3))))
      (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (local.get $count)))
      (local.set $at (i32.add (local.get $at) (i32.shl (i32.add (local.get $mask) (i32.const 1)) (i32.const 3))))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $depth))))))
