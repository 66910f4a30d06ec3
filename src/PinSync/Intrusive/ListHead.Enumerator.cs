using System.Diagnostics;

namespace PinSync.Intrusive;

public unsafe partial struct ListHead
{
    /// <summary>
    /// Walks a list from first to last element, yielding each element's <see cref="ListHead"/> pointer. Made by
    /// <see cref="Enumerate(ListHead*)"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The enumerator caches the next link before it yields the current node, so the loop body may
    /// <see cref="Remove"/> the <i>current</i> node (the common "wake and unlink every waiter" loop). Removing any
    /// other node, adding nodes, or freeing the memory of any node but the current one during the enumeration is
    /// not supported: the cached next link could then point at a node that is no longer in the list.
    /// </para>
    /// <para><b>Safety:</b> the caller must hold the list's lock for the whole enumeration.</para>
    /// </remarks>
    public ref struct Enumerator
    {
        // All three may only be accessed while the list's lock is held.
        private readonly ListHead* _head;
        private ListHead* _current;
        private ListHead* _next;

        internal Enumerator(ListHead* head)
        {
            _head = head;
            _current = null;

            // SAFETY: the head is initialized and the caller holds the list's lock (Enumerate's contract).
            _next = head->Next;
        }

        /// <summary>The current element's node; <see langword="null"/> before the first <see cref="MoveNext"/>.</summary>
        public readonly ListHead* Current => _current;

        /// <summary>Returns this enumerator, so that <see cref="Enumerate(ListHead*)"/> can be used in <see langword="foreach"/>.</summary>
        /// <returns>This enumerator.</returns>
        public readonly Enumerator GetEnumerator() => this;

        /// <summary>Advances to the next element.</summary>
        /// <returns><see langword="true"/> when <see cref="Current"/> is the next element; <see langword="false"/>
        /// when the walk is back at the head.</returns>
        /// <remarks><b>Safety:</b> the caller must hold the list's lock and must not have removed or freed any node
        /// but the current one since the previous call.</remarks>
        public bool MoveNext()
        {
            if (_next == _head)
            {
                _current = null;
                return false;
            }

            _current = _next;

            // SAFETY: _current is still linked (only the previous current node may have been removed since it was
            // cached) and the lock is held, so its Next is a valid link. Caching it now is what allows the caller
            // to remove _current before the next call.
            _next = _current->Next;
            Debug.Assert(_next != null, "the cached next node was removed during enumeration");
            return true;
        }
    }
}
