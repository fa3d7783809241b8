/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bitmap helpers KHO's table of waiting pages uses, bit by bit: the
 * fake machine has a few dozen pages.
 */
#ifndef _LU_LINUX_BITMAP_H
#define _LU_LINUX_BITMAP_H

#define BITS_TO_LONGS(nr)	(((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)

static inline void lu_bit_assign(unsigned long *map, unsigned long bit, bool v)
{
	unsigned long mask = 1UL << (bit % BITS_PER_LONG);

	if (v)
		map[bit / BITS_PER_LONG] |= mask;
	else
		map[bit / BITS_PER_LONG] &= ~mask;
}

static inline void bitmap_set(unsigned long *map, unsigned long start,
			      unsigned long nr)
{
	while (nr--)
		lu_bit_assign(map, start++, true);
}

static inline void __set_bit(unsigned long bit, unsigned long *map)
{
	lu_bit_assign(map, bit, true);
}

static inline void __clear_bit(unsigned long bit, unsigned long *map)
{
	lu_bit_assign(map, bit, false);
}

static inline bool test_bit(unsigned long bit, const unsigned long *map)
{
	return map[bit / BITS_PER_LONG] & (1UL << (bit % BITS_PER_LONG));
}

static inline bool __test_and_set_bit(unsigned long bit, unsigned long *map)
{
	bool old = map[bit / BITS_PER_LONG] & (1UL << (bit % BITS_PER_LONG));

	lu_bit_assign(map, bit, true);
	return old;
}

/* Index of the lowest set bit of a word that is not 0, as the kernel's. */
static inline unsigned long __ffs(unsigned long word)
{
	return __builtin_ctzl(word);
}

static inline void bitmap_clear(unsigned long *map, unsigned long start,
				unsigned long nr)
{
	while (nr--)
		lu_bit_assign(map, start++, false);
}

static inline unsigned long find_next_zero_bit(const unsigned long *map,
					       unsigned long size,
					       unsigned long start)
{
	for (; start < size; start++)
		if (!(map[start / BITS_PER_LONG] &
		      (1UL << (start % BITS_PER_LONG))))
			return start;
	return size;
}

static inline unsigned long find_next_bit(const unsigned long *map,
					  unsigned long size,
					  unsigned long start)
{
	for (; start < size; start++)
		if (map[start / BITS_PER_LONG] &
		    (1UL << (start % BITS_PER_LONG)))
			return start;
	return size;
}

#endif
