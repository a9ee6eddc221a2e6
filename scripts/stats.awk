# Statistics shared by the benchmark reports (report.sh, latency-report.sh);
# each prepends this file to its awk program.

# The median of a[1..n] (sorts a in place).
function median(a, n,   i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# Two-sided 95% quantile of Student t with DF degrees of freedom (rounded
# down: an interval is never narrower than it should be).
function t975(df,   t) {
	split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086 2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042", t, " ")
	df = int(df)
	return df < 1 ? 1e9 : df <= 30 ? t[df] : 1.96 + 2.5 / df
}
