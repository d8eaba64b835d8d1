using System.Collections.Concurrent;

namespace Tracer;

/// <summary>
/// A bounded, thread-safe table whose least recently used entries are dropped past its capacity. Lookups are a
/// lock-free hash lookup plus one interlocked increment (the use clock); an insert past the capacity scans for the
/// oldest entry, which is cheap next to the compile that produced the new one.
/// </summary>
internal sealed class LruTable<TKey, TValue>(IEqualityComparer<TKey>? comparer, int capacity) where TKey : notnull where TValue : class
{
    private sealed class Slot(TValue value, long used)
    {
        public readonly TValue Value = value;
        public long LastUsed = used;
    }

    private readonly ConcurrentDictionary<TKey, Slot> slots = new(comparer ?? EqualityComparer<TKey>.Default);
    private readonly object evictGate = new();
    private long clock;
    private int capacity = capacity;

    public int Count => slots.Count;

    public int Capacity
    {
        get => Volatile.Read(ref capacity);
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), value, "the cache capacity must be at least 1");
            Volatile.Write(ref capacity, value);
            Trim();
        }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        if (slots.TryGetValue(key, out var slot))
        {
            Volatile.Write(ref slot.LastUsed, Interlocked.Increment(ref clock));
            value = slot.Value;
            return true;
        }
        value = null!;
        return false;
    }

    public void Add(TKey key, TValue value)
    {
        slots[key] = new Slot(value, Interlocked.Increment(ref clock));
        if (slots.Count > Capacity) Trim();
    }

    public void Clear() => slots.Clear();

    /// <summary>Drops least recently used entries until the table fits its capacity.</summary>
    private void Trim()
    {
        lock (evictGate)
        {
            while (slots.Count > Capacity)
            {
                TKey? oldest = default;
                long best = long.MaxValue;
                bool found = false;
                foreach (var (key, slot) in slots)
                {
                    long used = Volatile.Read(ref slot.LastUsed);
                    if (used < best)
                    {
                        (best, oldest, found) = (used, key, true);
                    }
                }
                if (!found) return;
                slots.TryRemove(oldest!, out _);
            }
        }
    }
}
