package tlog

import (
	"context"
	"sync"
)

// tileCache keeps full tiles, which never change, for the proof builders:
// each new checkpoint gets a new builder, and without the cache every one of
// them would read the same tiles from disk again. Partial tiles are read
// through.
type tileCache struct {
	readTile func(ctx context.Context, level, index uint64, p uint8) ([]byte, error)
	max      int

	mu    sync.Mutex
	tiles map[tileKey][]byte
	order []tileKey // insertion order, for eviction
}

type tileKey struct{ level, index uint64 }

func newTileCache(read func(ctx context.Context, level, index uint64, p uint8) ([]byte, error), max int) *tileCache {
	return &tileCache{readTile: read, max: max, tiles: map[tileKey][]byte{}}
}

func (c *tileCache) read(ctx context.Context, level, index uint64, p uint8) ([]byte, error) {
	if p != 0 {
		return c.readTile(ctx, level, index, p)
	}
	k := tileKey{level, index}
	c.mu.Lock()
	t, ok := c.tiles[k]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := c.readTile(ctx, level, index, p)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.tiles[k]; !ok {
		c.tiles[k] = t
		c.order = append(c.order, k)
		if len(c.order) > c.max {
			delete(c.tiles, c.order[0])
			c.order = c.order[1:]
		}
	}
	return t, nil
}
