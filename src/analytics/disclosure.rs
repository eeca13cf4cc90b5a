//! The small-group rule (DESIGN.md): a figure is shown only if it is drawn from at least
//! `min_group_size` distinct people (or none: a zero singles nobody out), and no shown figures can be subtracted from one
//! another to give a figure of fewer people.
//!
//! Figures come in nested cells: a month holds its weeks, a week its days; a month's
//! ratings of one kind hold the ratings per touchpoint. Subtracting the shown children
//! from a shown parent gives the part of the parent no shown child covers (its residual),
//! so every shown cell's residual must also be empty or of `min_group_size` people. The
//! cells are decided from the top down: a cell is shown if it is big enough, whatever its
//! children (so a month's figure is the same in every report), and when a shown cell's
//! residual is too small its smallest shown children are withheld until it is not. With
//! nested cells, every figure that can be derived from the shown ones is then a sum of
//! residuals, each empty or of enough people.

use std::collections::HashSet;
use std::ops::Range;

/// The people behind one atom (a day, a touchpoint), as small numbers.
pub type People = Vec<u32>;

/// Nested cells over a row of atoms. `levels[0]` is the root's children, and so on down;
/// each level's ranges partition the one above's. The atoms themselves are the last
/// level only if listed.
pub struct Tree<'a> {
    pub atoms: &'a [People],
    pub levels: Vec<Vec<Range<usize>>>,
}

/// Which cells are shown: `root`, and per level per cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub root: bool,
    pub levels: Vec<Vec<bool>>,
}

/// Distinct people over a range of atoms.
pub fn people_in(atoms: &[People], range: Range<usize>) -> usize {
    let mut seen = HashSet::new();
    for atom in &atoms[range] {
        seen.extend(atom.iter().copied());
    }
    seen.len()
}

/// Decides which cells of the tree are shown.
pub fn decide(tree: &Tree, min: usize) -> Shown {
    // An empty cell is shown: its zero says only that nobody was there.
    let big_enough = |range: &Range<usize>| {
        let people = people_in(tree.atoms, range.clone());
        people == 0 || people >= min
    };
    let root_range = 0..tree.atoms.len();
    let mut shown = Shown {
        root: big_enough(&root_range),
        levels: tree
            .levels
            .iter()
            .map(|cells| cells.iter().map(big_enough).collect())
            .collect(),
    };
    if shown.root {
        settle(tree, &mut shown, None, root_range, min);
    }
    for level in 0..tree.levels.len() {
        for index in 0..tree.levels[level].len() {
            if shown.levels[level][index] {
                let range = tree.levels[level][index].clone();
                settle(tree, &mut shown, Some(level), range, min);
            }
        }
    }
    shown
}

/// Withholds the smallest shown cells below a shown one until its residual is empty or
/// big enough.
fn settle(tree: &Tree, shown: &mut Shown, level: Option<usize>, range: Range<usize>, min: usize) {
    loop {
        let frontier = frontier(tree, shown, level, &range);
        let covered: HashSet<usize> = frontier
            .iter()
            .flat_map(|&(l, i)| tree.levels[l][i].clone())
            .collect();
        let mut residual = HashSet::new();
        for atom in range.clone().filter(|a| !covered.contains(a)) {
            residual.extend(tree.atoms[atom].iter().copied());
        }
        if residual.is_empty() || residual.len() >= min {
            return;
        }
        // Withholding an empty cell would not grow the residual.
        let smallest = frontier
            .iter()
            .map(|&(l, i)| (people_in(tree.atoms, tree.levels[l][i].clone()), l, i))
            .filter(|&(people, _, _)| people > 0)
            .min()
            .map(|(_, l, i)| (l, i));
        match smallest {
            Some((l, i)) => shown.levels[l][i] = false,
            None => return,
        }
    }
}

/// The shown cells below `range` that no other shown cell below it contains.
fn frontier(
    tree: &Tree,
    shown: &Shown,
    level: Option<usize>,
    range: &Range<usize>,
) -> Vec<(usize, usize)> {
    let first = level.map_or(0, |l| l + 1);
    let mut found: Vec<(usize, usize)> = Vec::new();
    for l in first..tree.levels.len() {
        for (i, cell) in tree.levels[l].iter().enumerate() {
            let inside = cell.start >= range.start && cell.end <= range.end;
            let covered = found.iter().any(|&(fl, fi)| {
                let outer = &tree.levels[fl][fi];
                outer.start <= cell.start && cell.end <= outer.end
            });
            if inside && shown.levels[l][i] && !covered {
                found.push((l, i));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(ids: &[u32]) -> People {
        ids.to_vec()
    }

    #[test]
    fn a_cell_of_fewer_people_is_withheld() {
        let atoms = vec![people(&[1, 2, 3]), people(&[4])];
        let tree = Tree {
            atoms: &atoms,
            levels: vec![vec![0..1, 1..2]],
        };
        let shown = decide(&tree, 5);
        assert!(!shown.root);
        assert_eq!(shown.levels[0], [false, false]);
    }

    #[test]
    fn one_small_child_beside_a_shown_one_takes_the_shown_one_with_it() {
        // Six people, five at one touchpoint and one at another: showing the total and
        // the five would give away the sixth person's ratings by subtraction.
        let atoms = vec![people(&[1, 2, 3, 4, 5]), people(&[6])];
        let tree = Tree {
            atoms: &atoms,
            levels: vec![vec![0..1, 1..2]],
        };
        let shown = decide(&tree, 5);
        assert!(shown.root);
        assert_eq!(shown.levels[0], [false, false]);
    }

    #[test]
    fn small_children_that_together_are_enough_stay_withheld_alone() {
        let atoms = vec![
            people(&[1, 2, 3, 4, 5]),
            people(&[6, 7, 8]),
            people(&[9, 10]),
        ];
        let tree = Tree {
            atoms: &atoms,
            levels: vec![vec![0..1, 1..2, 2..3]],
        };
        let shown = decide(&tree, 5);
        assert!(shown.root);
        assert_eq!(shown.levels[0], [true, false, false]);
    }

    #[test]
    fn a_shown_day_beside_a_one_person_day_is_withheld_in_a_shown_week() {
        // Month: days 0..4; weeks 0..2 and 2..4. The second week has six people, its
        // day 2 five of them and day 3 the sixth: showing the week and day 2 would give
        // away day 3 by subtraction.
        let atoms = vec![
            people(&[1, 2, 3, 4, 5]),
            people(&[1, 2, 3, 4, 5]),
            people(&[1, 2, 3, 4, 5]),
            people(&[9]),
        ];
        let tree = Tree {
            atoms: &atoms,
            levels: vec![vec![0..2, 2..4], vec![0..1, 1..2, 2..3, 3..4]],
        };
        let shown = decide(&tree, 5);
        assert!(shown.root);
        assert!(shown.levels[0][0]);
        assert!(shown.levels[0][1], "the week has six people");
        assert!(!shown.levels[1][2], "day 2 would leave day 3's one person");
        assert!(!shown.levels[1][3]);
    }
}
