# glmnet peer for bench/engine (refit on a window): one binomial fit at the single λ given by the
# bench, standardize = TRUE, unit weights, on the window's design as the l1stream solver sees it
# (the window's distinct columns, compacted to 1..p, written CSC by the bench), once per
# threshold given, after one untimed warm-up fit. Only glmnet() is timed (building the dgCMatrix is not).
# Prints JSON {name, fits: [{thresh, seconds, intercept, cols (0-based), values, npasses}]}.
# usage: Rscript glmnet_refit.R DIR THRESH [THRESH ...]   (a THRESH of "default" omits thresh)
suppressPackageStartupMessages({ library(glmnet); library(jsonlite); library(Matrix) })
args <- commandArgs(trailingOnly = TRUE)
d <- args[1]
meta <- fromJSON(file.path(d, "meta.json"))
n <- meta$n; p <- meta$p
rd <- function(f, what, size, k) readBin(file.path(d, f), what = what, size = size, n = k, endian = "little")
y <- rd("y.bin", "double", 8, n)
colptr <- rd("colptr.bin", "integer", 4, p + 1)
nnz <- colptr[p + 1]
x <- sparseMatrix(i = rd("rowidx.bin", "integer", 4, nnz) + 1, p = colptr, x = rd("vals.bin", "double", 8, nnz), dims = c(n, p))
# untimed warm-up: the same fit once at the default thresh. R's first glmnet() call in a process
# pays for loading and byte-compiling code and growing R's heap (seconds at these sizes); the
# l1stream side runs warmed up too (JIT warm-up, earlier rounds in the same process)
invisible(glmnet(x, y, family = "binomial", lambda = meta$lambda, standardize = TRUE))
fits <- list()
for (t in args[-1]) {
  invisible(gc()) # each timed fit starts from a collected heap (untimed)
  t0 <- proc.time()[["elapsed"]]
  f <- if (t == "default") {
    glmnet(x, y, family = "binomial", lambda = meta$lambda, standardize = TRUE)
  } else {
    glmnet(x, y, family = "binomial", lambda = meta$lambda, standardize = TRUE, thresh = as.numeric(t))
  }
  secs <- proc.time()[["elapsed"]] - t0
  b <- f$beta[, 1]
  nz <- which(b != 0)
  fits[[length(fits) + 1]] <- list(
    thresh = t, seconds = secs, intercept = unname(f$a0[1]),
    cols = as.integer(nz - 1), values = unname(b[nz]), npasses = f$npasses
  )
}
cat(toJSON(list(name = paste0("glmnet ", packageVersion("glmnet")), fits = fits), digits = NA, auto_unbox = TRUE))
