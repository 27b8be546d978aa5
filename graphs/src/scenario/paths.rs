//! From `freeze()`'s paths (`projections[3].connector.p`) to the file's
//! (`projection[1].p`).
//!
//! `freeze()` numbers items as the network holds them. A file numbers each table
//! array on its own (`[[population]]` and `[[source]]` share the network's
//! populations) and one `[[projection]]` may expand into several projections, so
//! the reader records where each network item came from.

use crate::error::Problem;

/// Where each item of the network came from in the file.
#[derive(Debug, Clone, Default)]
pub(crate) struct Origin {
    /// Per network population: `("population" | "source", index in that array)`.
    pub pops: Vec<(&'static str, usize)>,
    /// Per network projection: the index of its `[[projection]]`.
    pub projs: Vec<usize>,
    pub currents: Vec<usize>,
    pub probes: Vec<usize>,
    pub modulators: Vec<usize>,
}

/// `freeze()`'s section names, in the order they are rewritten.
const SECTIONS: [&str; 5] = ["populations", "projections", "currents", "probes", "modulators"];

impl Origin {
    fn item(&self, section: &str, i: usize) -> Option<(&'static str, usize)> {
        let one = |v: &[usize], name: &'static str| v.get(i).map(|&j| (name, j));
        match section {
            "populations" => self.pops.get(i).copied(),
            "projections" => one(&self.projs, "projection"),
            "currents" => one(&self.currents, "current"),
            "probes" => one(&self.probes, "probe"),
            "modulators" => one(&self.modulators, "modulator"),
            _ => None,
        }
    }

    /// The problem with its path and message in the file's terms.
    pub fn problem(&self, p: Problem) -> Problem {
        Problem { kind: p.kind, path: self.path(&p.path), message: self.rename(&p.message) }
    }

    /// Rewrites a path; paths that name nothing the file holds are kept.
    pub fn path(&self, path: &str) -> String {
        if path == "dt" {
            return "run.dt".into();
        }
        let Some((section, i, rest)) = split(path) else { return path.to_string() };
        let Some((file_section, j)) = self.item(section, i) else { return path.to_string() };
        // The file writes model parameters, source settings and connector keys
        // directly in the item's table.
        let rest = match (section, rest) {
            ("populations", r) => r.strip_prefix(".model").or_else(|| r.strip_prefix(".source")).unwrap_or(r),
            ("projections", r) => r.strip_prefix(".connector").unwrap_or(r),
            ("probes", ".pops") => ".populations",
            ("modulators", ".pop") => ".population",
            (_, r) => r,
        };
        format!("{file_section}[{j}]{rest}")
    }

    /// Rewrites every `section[i]` inside a message ("already the name of populations[0]").
    pub fn rename(&self, message: &str) -> String {
        let mut out = String::with_capacity(message.len());
        let mut rest = message;
        'scan: while !rest.is_empty() {
            for section in SECTIONS {
                if let Some((i, after)) = rest.strip_prefix(section).and_then(index)
                    && let Some((file_section, j)) = self.item(section, i)
                {
                    out.push_str(&format!("{file_section}[{j}]"));
                    rest = after;
                    continue 'scan;
                }
            }
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
        out
    }
}

/// Splits `populations[2].model.tau_m` into `("populations", 2, ".model.tau_m")`.
fn split(path: &str) -> Option<(&str, usize, &str)> {
    let open = path.find('[')?;
    let (section, after) = path.split_at(open);
    let (i, rest) = index(after)?;
    Some((section, i, rest))
}

/// Reads `[12]` at the start of `s`: the index and what follows.
fn index(s: &str) -> Option<(usize, &str)> {
    let inner = s.strip_prefix('[')?;
    let close = inner.find(']')?;
    let i = inner[..close].parse().ok()?;
    Some((i, &inner[close + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ProblemKind;

    fn origin() -> Origin {
        Origin {
            pops: vec![("population", 0), ("source", 0), ("population", 1)],
            projs: vec![0, 0, 1],
            currents: vec![0],
            probes: vec![0],
            modulators: vec![0],
        }
    }

    #[test]
    fn paths_name_the_file_items() {
        let o = origin();
        let cases = [
            ("populations[2].model.tau_m", "population[1].tau_m"),
            ("populations[2].model.init.v", "population[1].init.v"),
            ("populations[1].source.schedule[0].rate", "source[0].schedule[0].rate"),
            ("populations[1].size", "source[0].size"),
            ("projections[1].connector.p", "projection[0].p"),
            ("projections[2].connector", "projection[1]"),
            ("projections[2].delay", "projection[1].delay"),
            ("probes[0].pops", "probe[0].populations"),
            ("modulators[0].pop", "modulator[0].population"),
            ("dt", "run.dt"),
            ("projections[9].weight", "projections[9].weight"),
        ];
        for (from, to) in cases {
            assert_eq!(o.path(from), to, "{from}");
        }
    }

    #[test]
    fn messages_name_the_file_items() {
        let p = Problem { kind: ProblemKind::DuplicateName, path: "populations[2].name".into(), message: "`E` is already the name of populations[1]".into() };
        let q = origin().problem(p);
        assert_eq!((q.path.as_str(), q.message.as_str()), ("population[1].name", "`E` is already the name of source[0]"));
        assert_eq!(origin().rename("populations[x] ünïcode probes["), "populations[x] ünïcode probes[");
    }
}
