//! Who owns a package: the bundled bundles own their `.manifest` roots (`microgov/pii`,
//! `microgov/residency` ...). A team bundle either replaces a bundled bundle wholesale, by
//! claiming its root in its own `.manifest` ([`drop_replaced`]), or stays out of its roots
//! ([`check_owned`]); two bundles never claim overlapping roots ([`check_overlap`]).

use super::{package_of, Bundle, BundleError};

/// Whether the slash path `path` is `root` or lies under it.
fn under(path: &str, root: &str) -> bool {
    let (p, r) = (path.trim_matches('/'), root.trim_matches('/'));
    !r.is_empty() && (p == r || p.starts_with(&format!("{r}/")))
}

/// Settles the bundles as the engine loads them, the first `bundled` being the shipped ones:
/// drops the bundled bundles a later one replaces ([`drop_replaced`]), then refuses a team
/// package inside a remaining bundled root ([`check_owned`]). Returns how many bundled
/// bundles remain (they stay first).
pub fn settle(bundles: &mut Vec<Bundle>, bundled: usize) -> Result<usize, BundleError> {
    let before = bundles.len();
    drop_replaced(bundles, bundled);
    let bundled = bundled - (before - bundles.len());
    check_owned(bundles, bundled)?;
    Ok(bundled)
}

/// Drops each of the first `bundled` bundles (the shipped ones) that a later bundle
/// replaces: one whose `.manifest` claims a root equal to or above one of its roots
/// (a team bundle with root `microgov/residency` replaces the bundled `residency`,
/// its Rego and its data). Overriding a bundled package is explicit this way; any
/// other overlap is still refused by [`check_overlap`].
pub fn drop_replaced(bundles: &mut Vec<Bundle>, bundled: usize) {
    let claimed: Vec<String> = bundles.iter().skip(bundled).flat_map(|b| b.roots.iter().cloned()).collect();
    let mut i = 0;
    bundles.retain(|b| {
        i += 1;
        i > bundled || !b.roots.iter().any(|r| claimed.iter().any(|t| under(r, t)))
    });
}

/// Refuses a file of a later bundle (a team's) whose package lies inside a root of one of the
/// first `bundled` bundles (the shipped ones): its rules would merge silently into the bundled
/// package. The error names the team file and a bundled file of that root; replacing the
/// bundled bundle ([`drop_replaced`]) is the one way to change its package.
pub fn check_owned(bundles: &[Bundle], bundled: usize) -> Result<(), BundleError> {
    let (ours, theirs) = bundles.split_at(bundled.min(bundles.len()));
    for team in theirs {
        for f in &team.files {
            let Some(pkg) = package_of(&f.source) else { continue };
            let slashed = pkg.replace('.', "/");
            for owner in ours {
                let Some(root) = owner.roots.iter().find(|r| under(&slashed, r)) else { continue };
                // The bundled file of that very package, else any of the bundle's.
                let of_package = owner.files.iter().find(|b| package_of(&b.source).as_deref() == Some(pkg.as_str()));
                let bundled_file = of_package
                    .or_else(|| owner.files.iter().find(|b| !b.is_test))
                    .map(|b| b.path.clone())
                    .unwrap_or_else(|| format!("policy-bundles/{}", owner.name));
                let line =
                    f.source.lines().position(|l| l.trim_start().starts_with("package ")).map(|i| i + 1).unwrap_or(1);
                return Err(BundleError::BundledPackage {
                    file: f.path.clone(),
                    line,
                    package: pkg,
                    bundled_file,
                    root: root.trim_matches('/').to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Checks that no two bundles claim overlapping roots, as OPA refuses them.
pub fn check_overlap(bundles: &[Bundle]) -> Result<(), BundleError> {
    for (i, a) in bundles.iter().enumerate() {
        for b in &bundles[i + 1..] {
            for ra in &a.roots {
                for rb in &b.roots {
                    let (x, y) = (ra.trim_matches('/'), rb.trim_matches('/'));
                    if x == y
                        || x.starts_with(&format!("{y}/"))
                        || y.starts_with(&format!("{x}/"))
                        || x.is_empty()
                        || y.is_empty()
                    {
                        return Err(BundleError::RootOverlap {
                            first: format!("{} ({ra})", a.name),
                            second: format!("{} ({rb})", b.name),
                        });
                    }
                }
            }
        }
    }
    Ok(())
}
