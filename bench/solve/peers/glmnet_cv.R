# glmnet peer for bench/solve's cross-validation cases: cv.glmnet (binomial, default thresh, or
# THRESH; standardize TRUE, or STANDARDIZE "false") on the data, folds and λ sequence given by the
# bench; prints JSON {seconds, cvm}. Only cv.glmnet is timed (one run: the bench alternates its
# rounds with l1stream's).
# usage: Rscript glmnet_cv.R DIR [THRESH [STANDARDIZE]]
suppressPackageStartupMessages({ library(glmnet); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
d <- fromJSON(file.path(args[1], "cv.json"))
thresh <- if (length(args) >= 2) as.numeric(args[2]) else 1e-7
standardize <- !(length(args) >= 3 && args[3] == "false")
x <- as.matrix(d$x)
t0 <- proc.time()[["elapsed"]]
cv <- cv.glmnet(x, d$y, family = "binomial", foldid = d$foldid + 1, lambda = d$lambdas, thresh = thresh,
                standardize = standardize)
secs <- proc.time()[["elapsed"]] - t0
cat(toJSON(list(seconds = secs, cvm = cv$cvm, lambdaMin = cv$lambda.min), digits = NA, auto_unbox = TRUE))
