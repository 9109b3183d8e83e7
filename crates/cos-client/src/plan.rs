//! Multipart part sizing: at least 1 MiB per part (except the last), at most 5 GiB per part and
//! 10000 parts, the part size grown for large objects.

use crate::Error;

/// The smallest part COS accepts, except for the last part (1 MiB).
///
/// ```
/// assert_eq!(cos_client::MIN_PART_SIZE, 1 << 20);
/// ```
pub const MIN_PART_SIZE: u64 = 1024 * 1024;
/// The largest part COS accepts (5 GiB).
///
/// ```
/// assert_eq!(cos_client::MAX_PART_SIZE, 5 << 30);
/// ```
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The most parts one upload may have.
///
/// ```
/// // The largest object a multipart upload can hold with maximal parts:
/// assert_eq!(cos_client::MAX_PARTS * cos_client::MAX_PART_SIZE, 50_000 << 30);
/// ```
pub const MAX_PARTS: u64 = 10_000;

/// How an object of a given size is cut into parts.
///
/// ```
/// use cos_client::MultipartPlan;
///
/// let plan = MultipartPlan::new(10 * 1024 * 1024 + 5, 4 * 1024 * 1024)?;
/// assert_eq!(plan.part_count(), 3);
/// let last = plan.parts().last().unwrap();
/// assert_eq!((last.number, last.len), (3, 2 * 1024 * 1024 + 5));
/// # Ok::<(), cos_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartPlan {
    object_size: u64,
    part_size: u64,
    part_count: u32,
}

/// One part of a [`MultipartPlan`]: its 1-based number and its byte range.
///
/// ```
/// let plan = cos_client::MultipartPlan::new(3 * 1024 * 1024, 1024 * 1024)?;
/// let second = plan.part(2).unwrap();
/// assert_eq!((second.offset, second.len), (1024 * 1024, 1024 * 1024));
/// # Ok::<(), cos_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartRange {
    /// The part number, from 1.
    pub number: u32,
    /// Offset of the first byte in the object.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

impl MultipartPlan {
    /// Plans `object_size` bytes with parts of `preferred_part_size`, raised to 1 MiB and
    /// then to a whole number of MiB large enough for at most 10000 parts. An empty object
    /// has one empty part.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the object cannot fit in 10000 parts of 5 GiB.
    ///
    /// ```
    /// use cos_client::MultipartPlan;
    /// // 100 GiB with 1 MiB preferred parts: grown so that at most 10000 parts are needed.
    /// let plan = MultipartPlan::new(100 << 30, 1 << 20)?;
    /// assert!(plan.part_count() <= 10_000);
    /// assert_eq!(plan.part_size() % (1 << 20), 0);
    /// assert!(MultipartPlan::new(u64::MAX, 1 << 20).is_err());
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn new(object_size: u64, preferred_part_size: u64) -> Result<Self, Error> {
        let needed = object_size.div_ceil(MAX_PARTS);
        let needed = needed.div_ceil(MIN_PART_SIZE).saturating_mul(MIN_PART_SIZE);
        let part_size = preferred_part_size
            .max(MIN_PART_SIZE)
            .max(needed)
            .min(MAX_PART_SIZE);
        let count = object_size.div_ceil(part_size).max(1);
        if count > MAX_PARTS {
            return Err(Error::invalid(
                "object size",
                format!(
                    "{object_size} bytes do not fit in {MAX_PARTS} parts of {MAX_PART_SIZE} bytes"
                ),
            ));
        }
        let part_count =
            u32::try_from(count).map_err(|_| Error::invalid("object size", "too large"))?;
        Ok(Self {
            object_size,
            part_size,
            part_count,
        })
    }

    /// The object size.
    ///
    /// ```
    /// assert_eq!(cos_client::MultipartPlan::new(5, 1)?.object_size(), 5);
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn object_size(&self) -> u64 {
        self.object_size
    }

    /// The size of every part but the last.
    ///
    /// ```
    /// assert_eq!(cos_client::MultipartPlan::new(5, 1)?.part_size(), 1 << 20);
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn part_size(&self) -> u64 {
        self.part_size
    }

    /// How many parts.
    ///
    /// ```
    /// assert_eq!(cos_client::MultipartPlan::new(0, 1 << 20)?.part_count(), 1);
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn part_count(&self) -> u32 {
        self.part_count
    }

    /// Part `number` (1-based), or `None` outside `1..=part_count`.
    ///
    /// ```
    /// let plan = cos_client::MultipartPlan::new(5, 1)?;
    /// assert!(plan.part(0).is_none() && plan.part(2).is_none());
    /// assert_eq!(plan.part(1).map(|p| p.len), Some(5));
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn part(&self, number: u32) -> Option<PartRange> {
        if number == 0 || number > self.part_count {
            return None;
        }
        let offset = u64::from(number - 1) * self.part_size;
        let len = (self.object_size - offset).min(self.part_size);
        Some(PartRange {
            number,
            offset,
            len,
        })
    }

    /// Every part in order.
    ///
    /// ```
    /// let plan = cos_client::MultipartPlan::new(3 << 20, 1 << 20)?;
    /// assert_eq!(plan.parts().map(|p| p.number).collect::<Vec<_>>(), [1, 2, 3]);
    /// # Ok::<(), cos_client::Error>(())
    /// ```
    pub fn parts(&self) -> impl Iterator<Item = PartRange> + '_ {
        (1..=self.part_count).filter_map(|n| self.part(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parts_tile_the_object_within_limits(
            size in prop_oneof![0u64..(64 << 20), 0u64..=(MAX_PARTS * MAX_PART_SIZE)],
            preferred in 0u64..(64 << 20),
        ) {
            let plan = MultipartPlan::new(size, preferred).unwrap();
            prop_assert!(u64::from(plan.part_count()) <= MAX_PARTS);
            prop_assert!(plan.part_size() >= MIN_PART_SIZE && plan.part_size() <= MAX_PART_SIZE);
            let parts: Vec<_> = plan.parts().collect();
            prop_assert_eq!(parts.len() as u32, plan.part_count());
            let mut next = 0;
            for (i, part) in parts.iter().enumerate() {
                prop_assert_eq!(part.number as usize, i + 1);
                prop_assert_eq!(part.offset, next);
                if i + 1 < parts.len() {
                    prop_assert_eq!(part.len, plan.part_size());
                } else {
                    prop_assert!(part.len <= plan.part_size());
                    prop_assert!(part.len > 0 || size == 0);
                }
                next += part.len;
            }
            prop_assert_eq!(next, size);
        }
    }

    #[test]
    fn too_large_is_refused() {
        assert!(MultipartPlan::new(MAX_PARTS * MAX_PART_SIZE, 0).is_ok());
        assert!(MultipartPlan::new(MAX_PARTS * MAX_PART_SIZE + 1, 0).is_err());
    }
}
