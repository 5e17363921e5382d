#!/usr/bin/env Rscript
# Golden cases for shopperd's DeLong test (Sources/ShopperML/Comparison/DeLong.swift), computed by an
# independent implementation: R's pROC, roc.test(roc1, roc2, method = "delong", paired = TRUE).
#   apt-get install -y r-cran-proc
#   Rscript bench/delong_golden.R > Tests/ShopperMLTests/Fixtures/delong_golden.json
# Every case is drawn from a seeded R generator, so the file is reproducible. Model A is roc1, model B
# roc2; pROC reports auc1 - auc2 = A - B; the fixture stores both AUCs, pROC's variances and covariance
# (var(), cov()), z, the two-sided p-value and the 95 % interval of A - B as pROC prints them.
suppressPackageStartupMessages(library(pROC))
set.seed(20261206)

num <- function(x) sprintf("%.17g", x)
vec <- function(x) paste0("[", paste(num(x), collapse = ","), "]")
lab <- function(x) paste0("[", paste(ifelse(x, "true", "false"), collapse = ","), "]")

golden <- function(name, labels, a, b) {
  r1 <- roc(labels, a, levels = c(FALSE, TRUE), direction = "<", quiet = TRUE)
  r2 <- roc(labels, b, levels = c(FALSE, TRUE), direction = "<", quiet = TRUE)
  t <- suppressWarnings(roc.test(r1, r2, method = "delong", paired = TRUE))
  v1 <- var(r1, method = "delong"); v2 <- var(r2, method = "delong")
  cv <- cov(r1, r2, method = "delong")
  ci <- if (is.null(t$conf.int)) c(NA, NA) else as.numeric(t$conf.int)
  p <- as.numeric(t$p.value); z <- as.numeric(t$statistic)
  sprintf(paste0('{"name":"%s","labels":%s,"scores_a":%s,"scores_b":%s,"auc_a":%s,"auc_b":%s,',
                 '"variance_a":%s,"variance_b":%s,"covariance":%s,"z_a_minus_b":%s,"p_value":%s,',
                 '"ci95_a_minus_b":[%s,%s]}'),
          name, lab(labels), vec(a), vec(b), num(as.numeric(auc(r1))), num(as.numeric(auc(r2))),
          num(v1), num(v2), num(cv), ifelse(is.na(z), "null", num(z)), ifelse(is.na(p), "null", num(p)),
          ifelse(is.na(ci[1]), "null", num(ci[1])), ifelse(is.na(ci[2]), "null", num(ci[2])))
}

cases <- character()

# 1. Small, heavy ties: scores on a 5-point scale (a forest's vote shares on few trees look like this).
labels <- c(rep(TRUE, 8), rep(FALSE, 14))
a <- round(runif(22) * 4) / 4 + ifelse(labels, 0.25, 0); a <- pmin(a, 1)
b <- round((a + rnorm(22, 0, 0.3)) * 4) / 4
cases <- c(cases, golden("small-ties", labels, a, b))

# 2. Unbalanced like the shopping data (about 15 % buyers), correlated continuous scores.
n <- 300; labels <- runif(n) < 0.15
latent <- rnorm(n) + 1.4 * labels
a <- plogis(latent + rnorm(n, 0, 0.6)); b <- plogis(latent + rnorm(n, 0, 0.8))
cases <- c(cases, golden("unbalanced-300", labels, a, b))

# 3. Very unbalanced: 6 buyers in 200 rows.
labels <- c(rep(TRUE, 6), rep(FALSE, 194))
latent <- rnorm(200) + 1.2 * labels
a <- latent + rnorm(200, 0, 0.5); b <- latent + rnorm(200, 0, 0.5) + 0.3 * labels
cases <- c(cases, golden("six-buyers-200", labels, a, b))

# 4. Larger, with ties from rounding to 2 decimals (forest probabilities of 100 trees).
n <- 2000; labels <- runif(n) < 0.16
latent <- rnorm(n) + 1.6 * labels
a <- round(plogis(latent + rnorm(n, 0, 0.7)), 2); b <- round(plogis(latent + rnorm(n, 0, 0.7) - 0.2 * labels), 2)
cases <- c(cases, golden("large-2000-rounded", labels, a, b))

# 5. Model B ranks worse than chance on part of the rows (an AUC below 0.5 must not be flipped).
n <- 120; labels <- runif(n) < 0.3
a <- rnorm(n) + labels; b <- rnorm(n) - 0.3 * labels
cases <- c(cases, golden("b-below-chance", labels, a, b))

# 6. Uncorrelated models (independent noise only).
n <- 150; labels <- runif(n) < 0.4
a <- rnorm(n) + 0.8 * labels; b <- rnorm(n) + 1.0 * labels
cases <- c(cases, golden("independent-150", labels, a, b))

# 7. Same ranking, different scale: a monotone transform gives identical AUCs and a standard error of 0
#    (pROC 1.18 reports z = 0, p = 1 for identical curves; shopperd defines the same).
n <- 80; labels <- runif(n) < 0.25
a <- rnorm(n) + labels; b <- exp(a)
cases <- c(cases, golden("same-ranking", labels, a, b))

cat("{\n\"generator\": \"bench/delong_golden.R\",\n\"pROC\": \"", as.character(packageVersion("pROC")),
    "\",\n\"R\": \"", R.version.string, "\",\n\"cases\": [\n", paste(cases, collapse = ",\n"), "\n]}\n", sep = "")
