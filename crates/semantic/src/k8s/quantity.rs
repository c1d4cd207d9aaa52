//! Kubernetes resource quantities as the parity rules compare them: CPU in cores (`500m`,
//! `1`, `1.5`) and memory in MiB (`512Mi`, `1Gi`, `1G`, `134217728`, `1e9`).
//!
//! Source: <https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/>.

/// A Kubernetes CPU quantity in cores: `1000`, `1000m`, `1.5`.
pub fn parse_cpu(t: &str) -> Option<f64> {
    let t = t.trim();
    let v = match t.strip_suffix('m') {
        Some(m) => m.parse::<f64>().ok()? / 1000.0,
        None => t.parse::<f64>().ok()?,
    };
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// A Kubernetes memory quantity in MiB: binary (`Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`) and decimal
/// (`k`, `M`, `G`, `T`, `P`, `E`) suffixes, plain bytes and exponents (`1e9`).
pub fn parse_memory_mib(t: &str) -> Option<f64> {
    const MIB: f64 = 1024.0 * 1024.0;
    let t = t.trim();
    let suffixes: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", MIB),
        ("Gi", MIB * 1024.0),
        ("Ti", MIB * 1024.0 * 1024.0),
        ("Pi", MIB * 1024.0 * 1024.0 * 1024.0),
        ("Ei", MIB * 1024.0 * 1024.0 * 1024.0 * 1024.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (num, factor) = suffixes
        .iter()
        .find_map(|(s, f)| t.strip_suffix(s).map(|n| (n, *f)))
        .unwrap_or((t, 1.0));
    // A plain number may carry an exponent (`1e9`); a suffixed one never does.
    if num.is_empty() || (factor != 1.0 && num.contains(['e', 'E'])) {
        return None;
    }
    let v = num.parse::<f64>().ok()? * factor / MIB;
    (v.is_finite() && v >= 0.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities() {
        assert_eq!(parse_cpu("500m"), Some(0.5));
        assert_eq!(parse_cpu("2"), Some(2.0));
        assert_eq!(parse_cpu(" 0.25 "), Some(0.25));
        assert_eq!(parse_cpu("-1"), None);
        assert_eq!(parse_cpu("{{ .Values.cpu }}"), None);
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(parse_memory_mib("512Mi"), Some(512.0));
        assert_eq!(parse_memory_mib("1Gi"), Some(1024.0));
        assert_eq!(parse_memory_mib("1024Ki"), Some(1.0));
        assert_eq!(parse_memory_mib("134217728"), Some(128.0));
        let g = parse_memory_mib("1G").unwrap();
        assert!((g - 953.674).abs() < 0.001, "{g}");
        assert_eq!(parse_memory_mib("1e9"), parse_memory_mib("1G"));
        assert_eq!(parse_memory_mib("Mi"), None);
        assert_eq!(parse_memory_mib("1eMi"), None);
        assert_eq!(parse_memory_mib("lots"), None);
    }
}
