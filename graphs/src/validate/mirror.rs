//! Checks of projections whose weights mirror another projection's (symmetric
//! feedback): the rule input that names the mirrored projection, and the shapes that
//! make one the transpose of the other.

use super::Checker;
use crate::connector::Connector;
use crate::error::ProblemKind as K;
use crate::graph::Projection;
use crate::network::Network;
use crate::rule::RuleCatalog;

/// For every projection whose rule names another projection (the catalogue's
/// `projection_inputs`), checks that the named projection exists, learns on a
/// schedule a copy can follow, and that this projection is its transpose into a
/// learning signal.
pub(super) fn mirrors(c: &mut Checker, net: &Network, projections: &[Projection], decl: &[usize], rules: Option<&dyn RuleCatalog>) {
    let Some(cat) = rules else { return };
    let pops = &net.populations;
    // Only valid projections were resolved; `decl` holds their declaration indices.
    for (f, &i) in projections.iter().zip(decl) {
        let Some(spec) = &f.conn.rule else { continue };
        for input in cat.projection_inputs(spec) {
            let path = format!("projections[{i}].rule.inputs.{input}");
            let Some(name) = spec.inputs.get(input) else {
                c.err(K::Malformed, path, format!("`{}` needs its input `{input}`: the name of the projection whose weights it mirrors", spec.name));
                continue;
            };
            let Some(fwd) = projections.iter().find(|p| &p.name == name) else {
                let known: Vec<&str> = projections.iter().map(|p| p.name.as_str()).collect();
                c.err(K::Malformed, path, format!("no projection is called `{name}` (projections: {})", known.join(", ")));
                continue;
            };
            if std::ptr::eq(fwd, f) {
                c.err(K::Malformed, path, format!("`{name}` is this projection itself"));
                continue;
            }
            if f.conn.signal.is_none() {
                c.err(
                    K::InvalidRule,
                    format!("projections[{i}].rule"),
                    format!("`{}` mirrors weights into a learning signal: connect it `.into_signal(..)`", spec.name),
                );
            }
            let (fs, ft) = (&pops[f.source], &pops[f.target]);
            let (ps, pt) = (&pops[fwd.source], &pops[fwd.target]);
            if f.target != fwd.source || fs.size != pt.size {
                c.err(
                    K::IndexOutOfRange,
                    path.clone(),
                    format!(
                        "this projection ({} -> {}, {} x {}) is not the transpose of `{name}` ({} -> {}, {} x {}): it must go from a population of `{}`'s size onto `{}`",
                        fs.name, ft.name, fs.size, ft.size, ps.name, pt.name, ps.size, pt.size, pt.name, ps.name
                    ),
                );
            }
            for (which, p) in [("this projection", f), ("the mirrored projection", fwd)] {
                if p.conn.connector != Connector::AllToAll || (p.source == p.target && !p.conn.autapses) {
                    c.err(
                        K::Malformed,
                        path.clone(),
                        format!("{which} (`{}`) must connect all to all: only then is every synapse's transposed partner there", p.name),
                    );
                }
            }
            match &fwd.conn.rule {
                Some(r) if !cat.projection_inputs(r).is_empty() => {
                    c.err(K::InvalidRule, path, format!("`{name}` is itself a mirror (`{}`); mirror the projection that learns", r.name))
                }
                Some(r) if cat.weight_schedule(r).is_some() => {}
                Some(r) => c.err(
                    K::InvalidRule,
                    path,
                    format!("`{name}` learns with `{}`, whose weights do not change on a schedule a mirror can follow (use `superspike`)", r.name),
                ),
                None => c.err(K::InvalidRule, path, format!("`{name}` has no plasticity rule: its transpose is fixed weights, give them directly")),
            }
        }
    }
}
