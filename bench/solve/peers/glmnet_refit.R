# glmnet peer for the refit case of bench/solve: one λ at a time on a sparse binomial window
# (standardize = TRUE, as a refit), at glmnet's default thresh or THRESH; prints JSON
# {name, fits: [{lambda, seconds, runs, cpus, intercept, index, value}]}. Only the fitting is timed
# (wall and this process's CPU, user + system).
# usage: Rscript glmnet_refit.R DIR [THRESH]
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
thresh <- if (length(args) >= 2) as.numeric(args[2]) else 1e-7
fits <- list()
for (lam in meta$lambdas) {
  # best of up to 3 runs (one when a run takes more than 5 s), as for l1stream; glmnet's warnings
  # (e.g. "convergence for 1th lambda value not reached") are kept in the output
  runs <- c()
  cpus <- c()
  warned <- character(0)
  f <- NULL
  repeat {
    t0 <- proc.time()
    f <- withCallingHandlers(
      tryCatch(glmnet(x, y, family = "binomial", lambda = lam, standardize = TRUE, thresh = thresh),
               error = function(e) { warned <<- c(warned, conditionMessage(e)); NULL }),
      warning = function(w) { warned <<- c(warned, conditionMessage(w)); invokeRestart("muffleWarning") })
    dt <- proc.time() - t0
    runs <- c(runs, dt[["elapsed"]])
    cpus <- c(cpus, dt[["user.self"]] + dt[["sys.self"]])
    if (length(runs) >= 3 || runs[1] > 5 || is.null(f)) break
  }
  if (is.null(f) || length(f$lambda) == 0) {
    fits[[length(fits) + 1]] <- list(lambda = lam, seconds = min(runs), runs = runs, cpus = cpus, intercept = NA,
                                     index = integer(0), value = numeric(0), note = paste(unique(warned), collapse = "; "))
    next
  }
  b <- f$beta[, 1]
  nz <- which(b != 0)
  fits[[length(fits) + 1]] <- list(lambda = lam, seconds = min(runs), runs = runs, cpus = cpus, intercept = unname(f$a0[1]),
                                   index = nz - 1, value = unname(b[nz]), note = paste(unique(warned), collapse = "; "))
}
cat(toJSON(list(name = paste0("glmnet ", packageVersion("glmnet"), " thresh=", thresh), fits = fits), digits = NA, auto_unbox = TRUE))
