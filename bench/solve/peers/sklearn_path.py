"""scikit-learn peer for bench/solve: fits the λ path given by the bench on the data it wrote and
prints JSON {seconds, fits: {index: {intercept, coef}}}. Only the fitting is timed, once.

usage: python3 sklearn_path.py DIR
"""
import json
import os
import sys
import time

import numpy as np


def main():
    d = sys.argv[1]
    meta = json.load(open(os.path.join(d, "meta.json")))
    n, p, family = meta["n"], meta["p"], meta["family"]
    lams = np.array(meta["lambdas"])
    report = meta["report"]
    y = np.fromfile(os.path.join(d, "y.bin"), dtype="<f8")
    if meta["sparse"]:
        import scipy.sparse as sp
        colptr = np.fromfile(os.path.join(d, "colptr.bin"), dtype="<i4")
        rows = np.fromfile(os.path.join(d, "rowidx.bin"), dtype="<i4")
        vals = np.fromfile(os.path.join(d, "vals.bin"), dtype="<f8")
        X = sp.csc_matrix((vals, rows, colptr), shape=(n, p))
    else:
        X = np.fromfile(os.path.join(d, "x.bin"), dtype="<f8").reshape((p, n)).T  # column-major
        X = np.asfortranarray(X)
    def fit_once():
        fits = {}
        if family == "gaussian" and not meta["sparse"]:
            from sklearn.linear_model import lasso_path
            t0 = time.perf_counter()
            xm = X.mean(axis=0)
            ym = y.mean()
            Xc = X - xm
            _, coefs, _ = lasso_path(Xc, y - ym, alphas=lams)
            secs = time.perf_counter() - t0
            for k in report:
                c = coefs[:, k]
                fits[str(k)] = {"intercept": float(ym - xm @ c), "coef": c.tolist()}
            return secs, fits, "sklearn lasso_path"
        if family == "gaussian":
            from sklearn.linear_model import Lasso
            m = Lasso(alpha=lams[0], warm_start=True, fit_intercept=True)
            t0 = time.perf_counter()
            for k, lam in enumerate(lams):
                m.set_params(alpha=lam)
                m.fit(X, y)
                if k in report:
                    fits[str(k)] = {"intercept": float(m.intercept_), "coef": m.coef_.tolist()}
            return time.perf_counter() - t0, fits, "sklearn Lasso (warm start, sparse)"
        from sklearn.linear_model import LogisticRegression
        # liblinear penalizes the intercept; a large intercept_scaling makes that penalty negligible
        m = LogisticRegression(penalty="l1", solver="liblinear", C=1.0, warm_start=True, intercept_scaling=1e3, tol=1e-6, max_iter=1000)
        t0 = time.perf_counter()
        for k, lam in enumerate(lams):
            m.set_params(C=1.0 / (n * lam))
            m.fit(X, y)
            if k in report:
                fits[str(k)] = {"intercept": float(m.intercept_[0]), "coef": m.coef_[0].tolist()}
        return time.perf_counter() - t0, fits, "sklearn LogisticRegression(l1, liblinear)"

    # one timed fit: the bench alternates its rounds with l1stream's
    secs, fits, name = fit_once()
    import sklearn
    print(json.dumps({"name": f"{name} {sklearn.__version__}", "seconds": secs, "fits": fits}))


if __name__ == "__main__":
    main()
