//! The order the clients run in, round by round: kclient's runs first in odd rounds, kube-rs's
//! first in even ones. Whichever runs second in a round inherits what the first left behind
//! (a warm server cache, a fragmented heap, a neighbour's build starting on a shared machine),
//! so a fixed order would tilt every figure the same way; alternating spreads it over both.

/// The two sides of every comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// kclient, whatever the variant (transport, informer mode).
    Kclient,
    /// kube-rs.
    KubeRs,
}

/// The side that runs first in `round`: kclient in odd rounds, kube-rs in even ones (a
/// warm-up counted as round 0 therefore starts with kube-rs, the first measured round with
/// kclient).
pub fn first_in_round(round: usize) -> Side {
    if round % 2 == 1 {
        Side::Kclient
    } else {
        Side::KubeRs
    }
}

/// The indices of `sides` in the order to run them in `round`: every entry of the side that
/// goes first ([`first_in_round`]), then the others, each side's entries in their given order.
pub fn round_order(round: usize, sides: &[Side]) -> Vec<usize> {
    let first = first_in_round(round);
    let (mut order, rest): (Vec<usize>, Vec<usize>) =
        (0..sides.len()).partition(|&index| sides[index] == first);
    order.extend(rest);
    order
}

/// `items` in the order to run them in `round` ([`round_order`]), `side` saying which side
/// each belongs to.
pub fn in_round<T: Copy>(round: usize, items: &[T], side: impl Fn(&T) -> Side) -> Vec<T> {
    let sides: Vec<Side> = items.iter().map(side).collect();
    round_order(round, &sides)
        .into_iter()
        .map(|index| items[index])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_rounds_start_with_kclient_and_even_rounds_with_kube_rs() {
        let pair = [Side::Kclient, Side::KubeRs];
        assert_eq!(round_order(1, &pair), [0, 1]);
        assert_eq!(round_order(2, &pair), [1, 0]);
        assert_eq!(round_order(3, &pair), [0, 1]);
        assert_eq!(
            round_order(0, &pair),
            [1, 0],
            "the warm-up is an even round"
        );
        // Listed kube-rs first (as the informer's modes are), the rounds still decide.
        let listed_kube_first = [Side::KubeRs, Side::Kclient];
        assert_eq!(round_order(1, &listed_kube_first), [1, 0]);
        assert_eq!(round_order(2, &listed_kube_first), [0, 1]);
    }

    #[test]
    fn each_side_keeps_its_own_order_and_every_entry_runs_once() {
        // The report's shape: kclient, two kclient transport variants, then kube-rs.
        let sides = [Side::Kclient, Side::Kclient, Side::Kclient, Side::KubeRs];
        assert_eq!(round_order(1, &sides), [0, 1, 2, 3]);
        assert_eq!(round_order(2, &sides), [3, 0, 1, 2]);
        let mixed = [Side::KubeRs, Side::Kclient, Side::KubeRs, Side::Kclient];
        assert_eq!(round_order(1, &mixed), [1, 3, 0, 2]);
        assert_eq!(round_order(4, &mixed), [0, 2, 1, 3]);
        assert!(round_order(7, &[]).is_empty());
    }

    #[test]
    fn over_an_even_number_of_rounds_each_side_goes_first_equally_often() {
        let pair = [Side::Kclient, Side::KubeRs];
        let kclient_first = (1..=8)
            .filter(|&round| pair[round_order(round, &pair)[0]] == Side::Kclient)
            .count();
        assert_eq!(kclient_first, 4);
    }
}
