;; Column kernels of the batch solver: for dense designs (Gram columns in covariance mode, the
;; Hessian, gradient and step of the binomial Newton finish) in WebAssembly SIMD, f64x2 lanes, four
;; columns per pass so each target element is loaded (or stored) once for four products; for
;; sparse designs, the gather and scatter of coordinate descent. Columns and targets are arrays in
;; linear memory at the byte offsets given; n is the number of rows.
;;
;; Compiled by scripts/build-wasm.mjs (wabt) into columnDotsWasm.ts; a test checks the two agree.
(module
  (memory (export "memory") 1 65536)

  ;; sum of the two lanes of a v128 of f64
  (func $hsum (param $v v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))

  ;; out[c] = Σ_i col_c[i]·a[i] and out[4 + c] = Σ_i col_c[i]·b[i] for c = 0..3
  (func (export "dot4x2") (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32)
        (param $a i32) (param $b i32) (param $n i32) (param $out i32)
    (local $k i32) (local $end i32)
    (local $va v128) (local $vb v128) (local $x v128)
    (local $s0a v128) (local $s1a v128) (local $s2a v128) (local $s3a v128)
    (local $s0b v128) (local $s1b v128) (local $s2b v128) (local $s3b v128)
    (local $ta f64) (local $tb f64)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $va (v128.load (i32.add (local.get $a) (local.get $k))))
        (local.set $vb (v128.load (i32.add (local.get $b) (local.get $k))))
        (local.set $x (v128.load (i32.add (local.get $c0) (local.get $k))))
        (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.mul (local.get $x) (local.get $va))))
        (local.set $s0b (f64x2.add (local.get $s0b) (f64x2.mul (local.get $x) (local.get $vb))))
        (local.set $x (v128.load (i32.add (local.get $c1) (local.get $k))))
        (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.mul (local.get $x) (local.get $va))))
        (local.set $s1b (f64x2.add (local.get $s1b) (f64x2.mul (local.get $x) (local.get $vb))))
        (local.set $x (v128.load (i32.add (local.get $c2) (local.get $k))))
        (local.set $s2a (f64x2.add (local.get $s2a) (f64x2.mul (local.get $x) (local.get $va))))
        (local.set $s2b (f64x2.add (local.get $s2b) (f64x2.mul (local.get $x) (local.get $vb))))
        (local.set $x (v128.load (i32.add (local.get $c3) (local.get $k))))
        (local.set $s3a (f64x2.add (local.get $s3a) (f64x2.mul (local.get $x) (local.get $va))))
        (local.set $s3b (f64x2.add (local.get $s3b) (f64x2.mul (local.get $x) (local.get $vb))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $rows)))
    ;; odd n: the last row goes into lane 0
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $ta (f64.load (i32.add (local.get $a) (local.get $end))))
        (local.set $tb (f64.load (i32.add (local.get $b) (local.get $end))))
        (local.set $va (f64x2.splat (f64.load (i32.add (local.get $c0) (local.get $end)))))
        (local.set $s0a (f64x2.add (local.get $s0a) (f64x2.replace_lane 1 (f64x2.mul (local.get $va) (f64x2.splat (local.get $ta))) (f64.const 0))))
        (local.set $s0b (f64x2.add (local.get $s0b) (f64x2.replace_lane 1 (f64x2.mul (local.get $va) (f64x2.splat (local.get $tb))) (f64.const 0))))
        (local.set $va (f64x2.splat (f64.load (i32.add (local.get $c1) (local.get $end)))))
        (local.set $s1a (f64x2.add (local.get $s1a) (f64x2.replace_lane 1 (f64x2.mul (local.get $va) (f64x2.splat (local.get $ta))) (f64.const 0))))
        (local.set $s1b (f64x2.add (local.get $s1b) (f64x2.replace_lane 1 (f64x2.mul (local.get $va) (f64x2.splat (local.get $tb))) (f64.const 0))))
        (local.set $va (f64x2.splat (f64.load (i32.add (local.get $c2) (local.get $end)))))
        (local.set $s2a (f64x2.add (local.get $s2a) (f64x2.replace_lane 1 (f64x2.mul (local.get $va) (f64x2.splat (local.get $ta))) (f64.const 0))))
        (local.set $s2b (f64x2.add (local.get $s2b) (f64x2.replace_lane 1 (f64x2.mul (local.get $va) (f64x2.splat (local.get $tb))) (f64.const 0))))
        (local.set $va (f64x2.splat (f64.load (i32.add (local.get $c3) (local.get $end)))))
        (local.set $s3a (f64x2.add (local.get $s3a) (f64x2.replace_lane 1 (f64x2.mul (local.get $va) (f64x2.splat (local.get $ta))) (f64.const 0))))
        (local.set $s3b (f64x2.add (local.get $s3b) (f64x2.replace_lane 1 (f64x2.mul (local.get $va) (f64x2.splat (local.get $tb))) (f64.const 0))))))
    (f64.store offset=0 (local.get $out) (call $hsum (local.get $s0a)))
    (f64.store offset=8 (local.get $out) (call $hsum (local.get $s1a)))
    (f64.store offset=16 (local.get $out) (call $hsum (local.get $s2a)))
    (f64.store offset=24 (local.get $out) (call $hsum (local.get $s3a)))
    (f64.store offset=32 (local.get $out) (call $hsum (local.get $s0b)))
    (f64.store offset=40 (local.get $out) (call $hsum (local.get $s1b)))
    (f64.store offset=48 (local.get $out) (call $hsum (local.get $s2b)))
    (f64.store offset=56 (local.get $out) (call $hsum (local.get $s3b))))

  ;; out[i] = (col[i] − m)·w[i] for i < n: a column centred and weighted (the binomial Newton
  ;; finish's Hessian), the same arithmetic as the JavaScript loop it replaces, lane by lane
  (func (export "centerWeight") (param $col i32) (param $m f64) (param $w i32) (param $out i32) (param $n i32)
    (local $k i32) (local $end i32) (local $vm v128)
    (local.set $vm (f64x2.splat (local.get $m)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (v128.store (i32.add (local.get $out) (local.get $k))
          (f64x2.mul
            (f64x2.sub (v128.load (i32.add (local.get $col) (local.get $k))) (local.get $vm))
            (v128.load (i32.add (local.get $w) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $rows)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (f64.store (i32.add (local.get $out) (local.get $end))
          (f64.mul
            (f64.sub (f64.load (i32.add (local.get $col) (local.get $end))) (local.get $m))
            (f64.load (i32.add (local.get $w) (local.get $end))))))))

  ;; out[c] = Σ_i col_c[i]·a[i] for c = 0..3
  (func (export "dot4x1") (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32)
        (param $a i32) (param $n i32) (param $out i32)
    (local $k i32) (local $end i32)
    (local $va v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $ta f64)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $va (v128.load (i32.add (local.get $a) (local.get $k))))
        (local.set $s0 (f64x2.add (local.get $s0) (f64x2.mul (v128.load (i32.add (local.get $c0) (local.get $k))) (local.get $va))))
        (local.set $s1 (f64x2.add (local.get $s1) (f64x2.mul (v128.load (i32.add (local.get $c1) (local.get $k))) (local.get $va))))
        (local.set $s2 (f64x2.add (local.get $s2) (f64x2.mul (v128.load (i32.add (local.get $c2) (local.get $k))) (local.get $va))))
        (local.set $s3 (f64x2.add (local.get $s3) (f64x2.mul (v128.load (i32.add (local.get $c3) (local.get $k))) (local.get $va))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $rows)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $ta (f64.load (i32.add (local.get $a) (local.get $end))))
        (f64.store offset=0 (local.get $out) (f64.add (call $hsum (local.get $s0)) (f64.mul (f64.load (i32.add (local.get $c0) (local.get $end))) (local.get $ta))))
        (f64.store offset=8 (local.get $out) (f64.add (call $hsum (local.get $s1)) (f64.mul (f64.load (i32.add (local.get $c1) (local.get $end))) (local.get $ta))))
        (f64.store offset=16 (local.get $out) (f64.add (call $hsum (local.get $s2)) (f64.mul (f64.load (i32.add (local.get $c2) (local.get $end))) (local.get $ta))))
        (f64.store offset=24 (local.get $out) (f64.add (call $hsum (local.get $s3)) (f64.mul (f64.load (i32.add (local.get $c3) (local.get $end))) (local.get $ta)))))
      (else
        (f64.store offset=0 (local.get $out) (call $hsum (local.get $s0)))
        (f64.store offset=8 (local.get $out) (call $hsum (local.get $s1)))
        (f64.store offset=16 (local.get $out) (call $hsum (local.get $s2)))
        (f64.store offset=24 (local.get $out) (call $hsum (local.get $s3))))))

  ;; out[i] += v0·col_0[i] + v1·col_1[i] + v2·col_2[i] + v3·col_3[i]
  (func (export "axpy4") (param $c0 i32) (param $c1 i32) (param $c2 i32) (param $c3 i32)
        (param $v0 f64) (param $v1 f64) (param $v2 f64) (param $v3 f64) (param $out i32) (param $n i32)
    (local $k i32) (local $end i32) (local $p i32)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128)
    (local.set $w0 (f64x2.splat (local.get $v0)))
    (local.set $w1 (f64x2.splat (local.get $v1)))
    (local.set $w2 (f64x2.splat (local.get $v2)))
    (local.set $w3 (f64x2.splat (local.get $v3)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -2)) (i32.const 3)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $p (i32.add (local.get $out) (local.get $k)))
        (v128.store (local.get $p)
          (f64x2.add (v128.load (local.get $p))
            (f64x2.add
              (f64x2.add (f64x2.mul (v128.load (i32.add (local.get $c0) (local.get $k))) (local.get $w0))
                         (f64x2.mul (v128.load (i32.add (local.get $c1) (local.get $k))) (local.get $w1)))
              (f64x2.add (f64x2.mul (v128.load (i32.add (local.get $c2) (local.get $k))) (local.get $w2))
                         (f64x2.mul (v128.load (i32.add (local.get $c3) (local.get $k))) (local.get $w3))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $rows)))
    (if (i32.and (local.get $n) (i32.const 1))
      (then
        (local.set $p (i32.add (local.get $out) (local.get $end)))
        (f64.store (local.get $p)
          (f64.add (f64.load (local.get $p))
            (f64.add
              (f64.add (f64.mul (f64.load (i32.add (local.get $c0) (local.get $end))) (local.get $v0))
                       (f64.mul (f64.load (i32.add (local.get $c1) (local.get $end))) (local.get $v1)))
              (f64.add (f64.mul (f64.load (i32.add (local.get $c2) (local.get $end))) (local.get $v2))
                       (f64.mul (f64.load (i32.add (local.get $c3) (local.get $end))) (local.get $v3)))))))))

  ;; Sparse columns (compressed sparse column storage: row indices i32 at $ri, values f64 at $vals,
  ;; entries [start, end) of one column) against a dense vector at $rho, for coordinate descent.

  ;; Σ_k vals[k]·rho[ri[k]] over k in [start, end), two accumulators (the JavaScript order)
  (func $sparseDot (export "sparseDot") (param $start i32) (param $end i32) (param $ri i32) (param $vals i32) (param $rho i32)
        (result f64)
    (local $k i32) (local $s0 f64) (local $s1 f64)
    (local.set $k (local.get $start))
    (block $done
      (loop $entries
        (br_if $done (i32.ge_s (i32.add (local.get $k) (i32.const 1)) (local.get $end)))
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                   (f64.load (i32.add (local.get $rho)
                     (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))))))
        (local.set $s1 (f64.add (local.get $s1)
          (f64.mul (f64.load offset=8 (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                   (f64.load (i32.add (local.get $rho)
                     (i32.shl (i32.load offset=4 (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $entries)))
    (if (i32.lt_s (local.get $k) (local.get $end))
      (then
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                   (f64.load (i32.add (local.get $rho)
                     (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))))))))
    (f64.add (local.get $s0) (local.get $s1)))

  ;; rho[ri[k]] += a·vals[k] for k in [start, end)
  (func $sparseAxpy (export "sparseAxpy") (param $start i32) (param $end i32) (param $ri i32) (param $vals i32) (param $rho i32)
        (param $a f64)
    (local $k i32) (local $at i32)
    (local.set $k (local.get $start))
    (block $done
      (loop $entries
        (br_if $done (i32.ge_s (local.get $k) (local.get $end)))
        (local.set $at (i32.add (local.get $rho)
          (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
        (f64.store (local.get $at)
          (f64.add (f64.load (local.get $at))
                   (f64.mul (local.get $a) (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $entries))))

  ;; Σ_k vals[k]·w[ri[k]]·rho[ri[k]] over k in [start, end), two accumulators (the JavaScript order)
  (func $sparseDot2 (export "sparseDot2") (param $start i32) (param $end i32) (param $ri i32) (param $vals i32) (param $w i32)
        (param $rho i32) (result f64)
    (local $k i32) (local $s0 f64) (local $s1 f64) (local $i i32)
    (local.set $k (local.get $start))
    (block $done
      (loop $entries
        (br_if $done (i32.ge_s (i32.add (local.get $k) (i32.const 1)) (local.get $end)))
        (local.set $i (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (f64.mul (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                            (f64.load (i32.add (local.get $w) (local.get $i))))
                   (f64.load (i32.add (local.get $rho) (local.get $i))))))
        (local.set $i (i32.shl (i32.load offset=4 (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))
        (local.set $s1 (f64.add (local.get $s1)
          (f64.mul (f64.mul (f64.load offset=8 (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                            (f64.load (i32.add (local.get $w) (local.get $i))))
                   (f64.load (i32.add (local.get $rho) (local.get $i))))))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $entries)))
    (if (i32.lt_s (local.get $k) (local.get $end))
      (then
        (local.set $i (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))
        (local.set $s0 (f64.add (local.get $s0)
          (f64.mul (f64.mul (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                            (f64.load (i32.add (local.get $w) (local.get $i))))
                   (f64.load (i32.add (local.get $rho) (local.get $i))))))))
    (f64.add (local.get $s0) (local.get $s1)))

  ;; init + Σ_k w[ri[k]]·((vals[k] − m)² − m²) over k in [start, end), in order (the JavaScript
  ;; centeredSquares with init = m²·Σw: the weighted squares about m, without cancellation)
  (func (export "sparseCenteredSquares") (param $start i32) (param $end i32) (param $ri i32) (param $vals i32)
        (param $w i32) (param $m f64) (param $init f64) (result f64)
    (local $k i32) (local $s f64) (local $d f64) (local $mm f64)
    (local.set $k (local.get $start))
    (local.set $s (local.get $init))
    (local.set $mm (f64.mul (local.get $m) (local.get $m)))
    (block $done
      (loop $entries
        (br_if $done (i32.ge_s (local.get $k) (local.get $end)))
        (local.set $d (f64.sub (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3)))) (local.get $m)))
        (local.set $s (f64.add (local.get $s)
          (f64.mul (f64.load (i32.add (local.get $w)
                     (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3))))
                   (f64.sub (f64.mul (local.get $d) (local.get $d)) (local.get $mm)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $entries)))
    (local.get $s))

  ;; out[j] = Σ_k vals[k]·rho[ri[k]] (weighted = 0) or Σ_k vals[k]·w[ri[k]]·rho[ri[k]] (else) for every
  ;; column j < p: the gradient products of a KKT check, with the sums of sparseDot / sparseDot2
  (func (export "sparseDotsAll") (param $p i32) (param $cs i32) (param $ri i32) (param $vals i32) (param $w i32)
        (param $rho i32) (param $weighted i32) (param $out i32)
    (local $j i32) (local $start i32) (local $end i32)
    (block $done
      (loop $columns
        (br_if $done (i32.ge_s (local.get $j) (local.get $p)))
        (local.set $start (i32.load (i32.add (local.get $cs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $cs) (i32.shl (local.get $j) (i32.const 2)))))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3)))
          (if (result f64) (local.get $weighted)
            (then (call $sparseDot2 (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $w) (local.get $rho)))
            (else (call $sparseDot (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $rho)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $columns))))

  ;; Σ_k vals[k]·w[ri[k]]·rho[ri[k]] over k in [start, end), returned, and Σ_k vals[k]·w[ri[k]] stored at
  ;; $colW, in the same pass: each sum in the order of sparseDot2 and of sparseDot with rho = w, so
  ;; both equal theirs bit for bit
  (func $sparseDotAndWeight (param $k i32) (param $end i32) (param $ri i32) (param $vals i32) (param $w i32)
        (param $rho i32) (param $colW i32) (result f64)
    (local $i i32) (local $t f64) (local $s0 f64) (local $s1 f64) (local $c0 f64) (local $c1 f64)
    (block $pairsDone
      (loop $pairs
        (br_if $pairsDone (i32.ge_s (i32.add (local.get $k) (i32.const 1)) (local.get $end)))
        (local.set $i (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))
        (local.set $t (f64.mul (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                               (f64.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $s0 (f64.add (local.get $s0) (f64.mul (local.get $t) (f64.load (i32.add (local.get $rho) (local.get $i))))))
        (local.set $c0 (f64.add (local.get $c0) (local.get $t)))
        (local.set $i (i32.shl (i32.load offset=4 (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))
        (local.set $t (f64.mul (f64.load offset=8 (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                               (f64.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $s1 (f64.add (local.get $s1) (f64.mul (local.get $t) (f64.load (i32.add (local.get $rho) (local.get $i))))))
        (local.set $c1 (f64.add (local.get $c1) (local.get $t)))
        (local.set $k (i32.add (local.get $k) (i32.const 2)))
        (br $pairs)))
    (if (i32.lt_s (local.get $k) (local.get $end))
      (then
        (local.set $i (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))
        (local.set $t (f64.mul (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3))))
                               (f64.load (i32.add (local.get $w) (local.get $i)))))
        (local.set $s0 (f64.add (local.get $s0) (f64.mul (local.get $t) (f64.load (i32.add (local.get $rho) (local.get $i))))))
        (local.set $c0 (f64.add (local.get $c0) (local.get $t)))))
    (f64.store (local.get $colW) (f64.add (local.get $c0) (local.get $c1)))
    (f64.add (local.get $s0) (local.get $s1)))

  ;; A KKT check's gradients of every column j < p into out[j] (the solver's gradientsFromDots):
  ;;   g = ((c > 0 ? c·d : d) + shift·colW_j − m_j·centre) / s_j
  ;; with d = Σ x_j rho (mode 0), Σ x_j w rho (mode 1), or Σ x_j w rho with colW_j = Σ x_j w made in
  ;; the same pass first (mode 2); the columns with |g| > l1·pf_j are listed at $list in order, and
  ;; their count returned
  (func (export "sparseGradients") (param $p i32) (param $cs i32) (param $ri i32) (param $vals i32) (param $w i32)
        (param $rho i32) (param $mode i32) (param $colW i32) (param $mean i32) (param $scale i32) (param $pf i32)
        (param $out i32) (param $list i32) (param $c f64) (param $shift f64) (param $centre f64) (param $l1 f64)
        (result i32)
    (local $j i32) (local $j8 i32) (local $start i32) (local $end i32) (local $d f64) (local $g f64) (local $n i32)
    (block $done
      (loop $columns
        (br_if $done (i32.ge_s (local.get $j) (local.get $p)))
        (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
        (local.set $start (i32.load (i32.add (local.get $cs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $cs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $d
          (if (result f64) (i32.eq (local.get $mode) (i32.const 2))
            (then (call $sparseDotAndWeight (local.get $start) (local.get $end) (local.get $ri) (local.get $vals)
                    (local.get $w) (local.get $rho) (i32.add (local.get $colW) (local.get $j8))))
            (else (if (result f64) (local.get $mode)
              (then (call $sparseDot2 (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $w) (local.get $rho)))
              (else (call $sparseDot (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $rho)))))))
        (local.set $g (f64.div
          (f64.sub
            (f64.add
              (if (result f64) (f64.gt (local.get $c) (f64.const 0))
                (then (f64.mul (local.get $c) (local.get $d)))
                (else (local.get $d)))
              (f64.mul (local.get $shift) (f64.load (i32.add (local.get $colW) (local.get $j8)))))
            (f64.mul (f64.load (i32.add (local.get $mean) (local.get $j8))) (local.get $centre)))
          (f64.load (i32.add (local.get $scale) (local.get $j8)))))
        (f64.store (i32.add (local.get $out) (local.get $j8)) (local.get $g))
        (if (f64.gt (f64.abs (local.get $g)) (f64.mul (local.get $l1) (f64.load (i32.add (local.get $pf) (local.get $j8)))))
          (then
            (i32.store (i32.add (local.get $list) (i32.shl (local.get $n) (i32.const 2))) (local.get $j))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $columns)))
    (local.get $n))

  ;; One cyclic coordinate-descent sweep over the features set[0..count) of a sparse design with
  ;; implicit centering and scaling: the solver's `sweep` (sweeps.ts) without its intercept step,
  ;; the same operations in the same order. The residual is rho + shift; the gradient of j is
  ;;   (c·Σ x_j rho + shift·colW_j − m_j (Σw rho + shift·Σw)) / s_j   (c > 0: equal weights c)
  ;;   (Σ x_j w rho + shift·colW_j − m_j (Σw rho + shift·Σw)) / s_j     (c = 0)
  ;; state[0] = shift and state[1] = Σw rho are read and written back; returns the largest h_j Δ².
  (func (export "sparseSweep") (param $set i32) (param $count i32) (param $cs i32) (param $ri i32)
        (param $vals i32) (param $w i32) (param $rho i32) (param $beta i32) (param $h i32) (param $colw i32)
        (param $mean i32) (param $scale i32) (param $pf i32) (param $state i32)
        (param $c f64) (param $l1 f64) (param $l2 f64) (param $sumw f64) (result f64)
    (local $q i32) (local $j i32) (local $j8 i32) (local $start i32) (local $end i32)
    (local $shift f64) (local $swr f64) (local $g f64) (local $hj f64) (local $bj f64) (local $u f64)
    (local $t f64) (local $au f64) (local $nb f64) (local $d f64) (local $s f64) (local $m f64)
    (local $max f64) (local $ch f64) (local $pfj f64)
    (local.set $shift (f64.load (local.get $state)))
    (local.set $swr (f64.load offset=8 (local.get $state)))
    (block $done
      (loop $features
        (br_if $done (i32.ge_s (local.get $q) (local.get $count)))
        (local.set $j (i32.load (i32.add (local.get $set) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
        (local.set $start (i32.load (i32.add (local.get $cs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $cs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $m (f64.load (i32.add (local.get $mean) (local.get $j8))))
        (local.set $s (f64.load (i32.add (local.get $scale) (local.get $j8))))
        (local.set $g
          (f64.div
            (f64.sub
              (f64.add
                (if (result f64) (f64.gt (local.get $c) (f64.const 0))
                  (then (f64.mul (local.get $c)
                    (call $sparseDot (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $rho))))
                  (else
                    (call $sparseDot2 (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $w) (local.get $rho))))
                (f64.mul (local.get $shift) (f64.load (i32.add (local.get $colw) (local.get $j8)))))
              (f64.mul (local.get $m) (f64.add (local.get $swr) (f64.mul (local.get $shift) (local.get $sumw)))))
            (local.get $s)))
        (local.set $hj (f64.load (i32.add (local.get $h) (local.get $j8))))
        (local.set $bj (f64.load (i32.add (local.get $beta) (local.get $j8))))
        (local.set $pfj (f64.load (i32.add (local.get $pf) (local.get $j8))))
        (local.set $u (f64.add (f64.mul (local.get $hj) (local.get $bj)) (local.get $g)))
        (local.set $t (f64.mul (local.get $l1) (local.get $pfj)))
        (local.set $au (f64.abs (local.get $u)))
        (local.set $nb
          (if (result f64) (f64.le (local.get $au) (local.get $t))
            (then (f64.const 0))
            (else
              (f64.div
                (if (result f64) (f64.gt (local.get $u) (f64.const 0))
                  (then (f64.sub (local.get $au) (local.get $t)))
                  (else (f64.sub (local.get $t) (local.get $au))))
                (f64.add (local.get $hj) (f64.mul (local.get $l2) (local.get $pfj)))))))
        (if (f64.ne (local.get $nb) (local.get $bj))
          (then
            (local.set $d (f64.sub (local.get $nb) (local.get $bj)))
            (f64.store (i32.add (local.get $beta) (local.get $j8)) (local.get $nb))
            (call $sparseAxpy (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $rho)
              (f64.div (f64.neg (local.get $d)) (local.get $s)))
            (local.set $shift (f64.add (local.get $shift) (f64.div (f64.mul (local.get $d) (local.get $m)) (local.get $s))))
            (local.set $swr (f64.sub (local.get $swr)
              (f64.mul (f64.div (local.get $d) (local.get $s)) (f64.load (i32.add (local.get $colw) (local.get $j8))))))
            (local.set $ch (f64.mul (f64.mul (local.get $hj) (local.get $d)) (local.get $d)))
            (if (f64.gt (local.get $ch) (local.get $max)) (then (local.set $max (local.get $ch))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $features)))
    (f64.store (local.get $state) (local.get $shift))
    (f64.store offset=8 (local.get $state) (local.get $swr))
    (local.get $max))

  ;; sparseSweep with multiplications for its divisions: iscale[j] = 1/s_j and ih[j] = 1/(h_j + l2·pf_j)
  ;; (the caller's, current for this λ; no l2 parameter). The same steps, results equal to rounding
  ;; (about 5 % faster on the sparse benchmark's columns of 50–100 entries: the divisions are on the
  ;; chain from one column's gather to its scatter).
  (func (export "sparseSweepInverse") (param $set i32) (param $count i32) (param $cs i32) (param $ri i32)
        (param $vals i32) (param $w i32) (param $rho i32) (param $beta i32) (param $h i32) (param $colw i32)
        (param $mean i32) (param $iscale i32) (param $pf i32) (param $state i32) (param $ih i32)
        (param $c f64) (param $l1 f64) (param $sumw f64) (result f64)
    (local $q i32) (local $j i32) (local $j8 i32) (local $start i32) (local $end i32)
    (local $shift f64) (local $swr f64) (local $g f64) (local $hj f64) (local $bj f64) (local $u f64)
    (local $t f64) (local $au f64) (local $nb f64) (local $d f64) (local $s f64) (local $m f64)
    (local $max f64) (local $ch f64) (local $pfj f64)
    (local.set $shift (f64.load (local.get $state)))
    (local.set $swr (f64.load offset=8 (local.get $state)))
    (block $done
      (loop $features
        (br_if $done (i32.ge_s (local.get $q) (local.get $count)))
        (local.set $j (i32.load (i32.add (local.get $set) (i32.shl (local.get $q) (i32.const 2)))))
        (local.set $j8 (i32.shl (local.get $j) (i32.const 3)))
        (local.set $start (i32.load (i32.add (local.get $cs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $cs) (i32.shl (local.get $j) (i32.const 2)))))
        (local.set $m (f64.load (i32.add (local.get $mean) (local.get $j8))))
        (local.set $s (f64.load (i32.add (local.get $iscale) (local.get $j8))))
        (local.set $g
          (f64.mul
            (f64.sub
              (f64.add
                (if (result f64) (f64.gt (local.get $c) (f64.const 0))
                  (then (f64.mul (local.get $c)
                    (call $sparseDot (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $rho))))
                  (else
                    (call $sparseDot2 (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $w) (local.get $rho))))
                (f64.mul (local.get $shift) (f64.load (i32.add (local.get $colw) (local.get $j8)))))
              (f64.mul (local.get $m) (f64.add (local.get $swr) (f64.mul (local.get $shift) (local.get $sumw)))))
            (local.get $s)))
        (local.set $hj (f64.load (i32.add (local.get $h) (local.get $j8))))
        (local.set $bj (f64.load (i32.add (local.get $beta) (local.get $j8))))
        (local.set $pfj (f64.load (i32.add (local.get $pf) (local.get $j8))))
        (local.set $u (f64.add (f64.mul (local.get $hj) (local.get $bj)) (local.get $g)))
        (local.set $t (f64.mul (local.get $l1) (local.get $pfj)))
        (local.set $au (f64.abs (local.get $u)))
        (local.set $nb
          (if (result f64) (f64.le (local.get $au) (local.get $t))
            (then (f64.const 0))
            (else
              (f64.mul
                (if (result f64) (f64.gt (local.get $u) (f64.const 0))
                  (then (f64.sub (local.get $au) (local.get $t)))
                  (else (f64.sub (local.get $t) (local.get $au))))
                (f64.load (i32.add (local.get $ih) (local.get $j8)))))))
        (if (f64.ne (local.get $nb) (local.get $bj))
          (then
            (local.set $d (f64.sub (local.get $nb) (local.get $bj)))
            (f64.store (i32.add (local.get $beta) (local.get $j8)) (local.get $nb))
            (call $sparseAxpy (local.get $start) (local.get $end) (local.get $ri) (local.get $vals) (local.get $rho)
              (f64.mul (f64.neg (local.get $d)) (local.get $s)))
            (local.set $shift (f64.add (local.get $shift) (f64.mul (f64.mul (local.get $d) (local.get $m)) (local.get $s))))
            (local.set $swr (f64.sub (local.get $swr)
              (f64.mul (f64.mul (local.get $d) (local.get $s)) (f64.load (i32.add (local.get $colw) (local.get $j8))))))
            (local.set $ch (f64.mul (f64.mul (local.get $hj) (local.get $d)) (local.get $d)))
            (if (f64.gt (local.get $ch) (local.get $max)) (then (local.set $max (local.get $ch))))))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $features)))
    (f64.store (local.get $state) (local.get $shift))
    (f64.store offset=8 (local.get $state) (local.get $swr))
    (local.get $max))

  ;; rareMoves' check of its rare columns (rareMoves.ts): from list[from] on, each column j's gradient
  ;;   g = l2_j·c_j + Σ_k (c0·vals[k])·gap[ri[k]]   (one accumulator, in order; l2_j = l2c·pf_j·s_j·s_j)
  ;; goes to out[m]; returns the first m in [from, count) whose violation, with t_j = la·pf_j·s_j,
  ;;   |g| − t_j (c_j = 0) or |g + sign(c_j)·t_j| (else), exceeds tol·t_j; count if none does.
  ;; The same operations in the same order as the JavaScript check, so the same bits.
  (func (export "rareScan") (param $list i32) (param $from i32) (param $count i32) (param $cs i32) (param $ri i32)
        (param $vals i32) (param $gap i32) (param $coef i32) (param $pf i32) (param $scale i32) (param $out i32)
        (param $c0 f64) (param $la f64) (param $l2c f64) (param $tol f64) (result i32)
    (local $m i32) (local $j8 i32) (local $k i32) (local $end i32)
    (local $c f64) (local $g f64) (local $t f64) (local $s f64) (local $pfj f64) (local $v f64)
    (local.set $m (local.get $from))
    (block $done
      (loop $columns
        (br_if $done (i32.ge_s (local.get $m) (local.get $count)))
        (local.set $k (i32.shl (i32.load (i32.add (local.get $list) (i32.shl (local.get $m) (i32.const 2)))) (i32.const 2)))
        (local.set $j8 (i32.shl (local.get $k) (i32.const 1)))
        (local.set $end (i32.load offset=4 (i32.add (local.get $cs) (local.get $k))))
        (local.set $k (i32.load (i32.add (local.get $cs) (local.get $k))))
        (local.set $pfj (f64.load (i32.add (local.get $pf) (local.get $j8))))
        (local.set $s (f64.load (i32.add (local.get $scale) (local.get $j8))))
        (local.set $c (f64.load (i32.add (local.get $coef) (local.get $j8))))
        (local.set $t (f64.mul (f64.mul (local.get $la) (local.get $pfj)) (local.get $s)))
        (local.set $g (f64.mul
          (f64.mul (f64.mul (f64.mul (local.get $l2c) (local.get $pfj)) (local.get $s)) (local.get $s))
          (local.get $c)))
        (block $summed
          (loop $entries
            (br_if $summed (i32.ge_s (local.get $k) (local.get $end)))
            (local.set $g (f64.add (local.get $g)
              (f64.mul
                (f64.mul (local.get $c0) (f64.load (i32.add (local.get $vals) (i32.shl (local.get $k) (i32.const 3)))))
                (f64.load (i32.add (local.get $gap)
                  (i32.shl (i32.load (i32.add (local.get $ri) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 3)))))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $entries)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $m) (i32.const 3))) (local.get $g))
        (local.set $v
          (if (result f64) (f64.eq (local.get $c) (f64.const 0))
            (then (f64.sub (f64.abs (local.get $g)) (local.get $t)))
            (else (f64.abs (f64.add (local.get $g)
              (if (result f64) (f64.gt (local.get $c) (f64.const 0))
                (then (local.get $t))
                (else (f64.neg (local.get $t)))))))))
        (br_if $done (f64.gt (local.get $v) (f64.mul (local.get $tol) (local.get $t))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $columns)))
    (local.get $m))
)
