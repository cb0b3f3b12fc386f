# glmnet peer for bench/solve: fits the λ path given by the bench (standardize = FALSE, default
# thresh, or THRESH; gaussian in glmnet's TYPE = covariance or naive mode, by default glmnet's own
# choice: covariance below 500 columns, naive from 500) and prints JSON {seconds, fits}. Only the
# fitting is timed, once: the bench alternates its rounds with l1stream's.
# usage: Rscript glmnet_path.R DIR [THRESH [TYPE]]
suppressPackageStartupMessages({ library(glmnet); library(jsonlite); library(Matrix) })
args <- commandArgs(trailingOnly = TRUE)
d <- args[1]
meta <- fromJSON(file.path(d, "meta.json"))
n <- meta$n; p <- meta$p
rd <- function(f, what, size, k) readBin(file.path(d, f), what = what, size = size, n = k, endian = "little")
y <- rd("y.bin", "double", 8, n)
if (meta$sparse) {
  colptr <- rd("colptr.bin", "integer", 4, p + 1)
  nnz <- colptr[p + 1]
  x <- sparseMatrix(i = rd("rowidx.bin", "integer", 4, nnz) + 1, p = colptr, x = rd("vals.bin", "double", 8, nnz), dims = c(n, p))
} else {
  x <- matrix(rd("x.bin", "double", 8, n * p), nrow = n, ncol = p)
}
thresh <- if (length(args) >= 2) as.numeric(args[2]) else if (is.null(meta$thresh)) 1e-7 else meta$thresh
type <- if (length(args) >= 3) args[3] else if (p < 500) "covariance" else "naive"
if (meta$family != "gaussian") type <- NULL
t0 <- proc.time()
t0c <- t0[["user.self"]] + t0[["sys.self"]]
t0 <- t0[["elapsed"]]
f <- if (is.null(type)) {
  glmnet(x, y, family = meta$family, lambda = meta$lambdas, standardize = FALSE, thresh = thresh)
} else {
  glmnet(x, y, family = meta$family, lambda = meta$lambdas, standardize = FALSE, thresh = thresh, type.gaussian = type)
}
t1 <- proc.time()
secs <- t1[["elapsed"]] - t0
cpu <- t1[["user.self"]] + t1[["sys.self"]] - t0c
cf <- coef(f)
fits <- list()
for (k in meta$report) {
  if (k + 1 <= ncol(cf)) {
    b <- cf[-1, k + 1]
    nz <- which(b != 0)
    fits[[as.character(k)]] <- list(intercept = cf[1, k + 1], index = I(nz - 1), value = I(unname(b[nz])))
  }
}
cat(toJSON(list(name = paste0("glmnet ", packageVersion("glmnet"), if (is.null(type)) "" else paste0(" ", type), " thresh=", thresh), seconds = secs, cpuSeconds = cpu, npasses = f$npasses, fits = fits), digits = NA, auto_unbox = TRUE))
