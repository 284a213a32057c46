using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using System.Text;
using ActorPresence.Diagnostics;
using ActorPresence.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.DistributedData.Durable;
using Akka.Event;
using Akka.Serialization;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace ActorPresence.Replication;

/// <summary>
/// Distributed data's durable store on SQLite (WAL journal, synchronous = NORMAL), in place of the stock
/// LightningDB store that does not work with the packages served here (DESIGN.md §4). The
/// replicator sends <see cref="LoadAll"/> once at start and then one <see cref="Store"/> per
/// change of a durable key; a store is committed before its success is reported, so a write
/// acknowledged with <c>WriteLocal</c> is on disk. Stores that queue up during a commit share the
/// next transaction (group commit), so a busy node pays one disk sync per batch, not per change.
/// </summary>
/// <remarks>
/// A store carries the whole value of its key, but only what changed is written: an
/// <see cref="EntityMap"/> is kept as one row per entity (table <c>entities</c>), and each store
/// writes the entities that differ from the map last committed for that key
/// (<see cref="EntityMap.ChangedSince"/>), so its cost follows the change, not the key's size.
/// A commit that fails leaves that map where it was, so the next store writes those entities
/// again. Data of any other type is kept whole, one envelope per key (table <c>ddata</c>); a key
/// written that way by an earlier version is moved to entity rows when loaded.
/// </remarks>
public sealed class SqliteDurableStore : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SerializerWithStringManifest _envelopeSerializer;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _upsertEntity;
    private readonly SqliteCommand _deleteEntities;
    private readonly SqliteCommand _upsertWhole;
    private readonly SqliteCommand _deleteWhole;
    private readonly string _path;
    private readonly List<Store> _pending = [];
    private bool _commitScheduled;

    // Per key, the map all of whose entities are on disk: the next store writes what differs from it.
    private readonly Dictionary<string, EntityMap> _committed = new(StringComparer.Ordinal);

    // Keys kept as one whole envelope in ddata.
    private readonly HashSet<string> _whole = new(StringComparer.Ordinal);

    public SqliteDurableStore(Config durableConfig)
    {
        // Akka hands the store its durable section; ActorPresenceConfig.Build puts actorpresence.durable.path there.
        var path = durableConfig.GetString("sqlite.path");
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ConfigurationException("akka.cluster.distributed-data.durable.sqlite.path (from actorpresence.durable.path) must name the store's file");
        }
        _path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _envelopeSerializer = (SerializerWithStringManifest)Context.System.Serialization.FindSerializerForType(typeof(DurableDataEnvelope));
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL;");
        // In WAL mode, NORMAL keeps every committed transaction through a crash or SIGKILL of the
        // process (what ActorPresence promises); only a power loss may undo the last ones. FULL
        // would add a disk sync to every commit.
        Execute("PRAGMA synchronous = NORMAL;");
        Execute("CREATE TABLE IF NOT EXISTS ddata (key TEXT PRIMARY KEY, manifest TEXT NOT NULL, data BLOB NOT NULL);");
        // One row per entity of an EntityMap key; slot is ActorPresenceSerializer's slot encoding.
        Execute("CREATE TABLE IF NOT EXISTS entities (key TEXT NOT NULL, id TEXT NOT NULL, slot BLOB NOT NULL, PRIMARY KEY (key, id)) WITHOUT ROWID;");
        // Written by health probes only; distributed data never reads it.
        Execute("CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY, probed_at TEXT NOT NULL);");
        _upsertEntity = Command(
            "INSERT INTO entities (key, id, slot) VALUES ($key, $id, $slot) ON CONFLICT(key, id) DO UPDATE SET slot = excluded.slot;",
            ("$key", SqliteType.Text), ("$id", SqliteType.Text), ("$slot", SqliteType.Blob));
        _deleteEntities = Command("DELETE FROM entities WHERE key = $key;", ("$key", SqliteType.Text));
        _upsertWhole = Command(
            "INSERT INTO ddata (key, manifest, data) VALUES ($key, $manifest, $data) " +
            "ON CONFLICT(key) DO UPDATE SET manifest = excluded.manifest, data = excluded.data;",
            ("$key", SqliteType.Text), ("$manifest", SqliteType.Text), ("$data", SqliteType.Blob));
        _deleteWhole = Command("DELETE FROM ddata WHERE key = $key;", ("$key", SqliteType.Text));
        _log.Info("Durable distributed data in SQLite file [{0}]", _path);

        Receive<ProbeDurableStore>(_ => Sender.Tell(Probe()));
        Receive<LoadAll>(_ =>
        {
            var watch = Stopwatch.StartNew();
            ImmutableDictionary<string, DurableDataEnvelope> data;
            try
            {
                data = Load();
            }
            catch (Exception e) when (e is SqliteException or SerializationException)
            {
                throw new LoadFailedException($"cannot load durable data from [{_path}]", e);
            }
            if (data.Count > 0)
            {
                Sender.Tell(new LoadData(data));
            }
            Sender.Tell(LoadAllCompleted.Instance);
            _log.Info("Loaded {0} durable key(s), {1} entities, in {2} ms",
                data.Count, _committed.Values.Sum(map => (long)map.Count), watch.ElapsedMilliseconds);
            Become(Active);
        });
    }

    private void Active()
    {
        // Group commit: stores that arrive while one commit runs go into the next transaction
        // together, and each is acknowledged only after its transaction has committed.
        Receive<Store>(store =>
        {
            _pending.Add(store);
            if (!_commitScheduled)
            {
                _commitScheduled = true;
                Self.Tell(Commit.Instance);
            }
        });
        Receive<Commit>(_ => CommitPending());
        Receive<ProbeDurableStore>(_ => Sender.Tell(Probe()));
    }

    private ImmutableDictionary<string, DurableDataEnvelope> Load()
    {
        LoadEntityRows();
        var data = ImmutableDictionary.CreateBuilder<string, DurableDataEnvelope>(StringComparer.Ordinal);
        var toMove = new Dictionary<string, EntityMap>(StringComparer.Ordinal);
        using (var read = _connection.CreateCommand())
        {
            read.CommandText = "SELECT key, manifest, data FROM ddata;";
            using var rows = read.ExecuteReader();
            while (rows.Read())
            {
                var key = rows.GetString(0);
                var envelope = (DurableDataEnvelope)_envelopeSerializer.FromBinary(rows.GetFieldValue<byte[]>(2), rows.GetString(1));
                if (envelope.Data is EntityMap map)
                {
                    toMove[key] = map;
                }
                else
                {
                    data[key] = envelope;
                    _whole.Add(key);
                }
            }
        }
        if (toMove.Count > 0)
        {
            MoveToEntityRows(toMove);
        }
        foreach (var (key, map) in _committed)
        {
            data[key] = new DurableDataEnvelope(map);
        }
        return data.ToImmutable();
    }

    /// <summary>
    /// Reads every entity row into <see cref="_committed"/>, one map per key built in bulk. Through
    /// SQLitePCL's statement API on the connection's own handle: it hands out each column as a span
    /// of the row, where the ADO.NET reader copies every blob into a new array (measured: the rows
    /// of 200,000 entities read in about a quarter of the time, in a freshly started process).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadEntityRows()
    {
        var db = _connection.Handle!;
        Check(db, raw.sqlite3_prepare_v2(db, "SELECT key, id, slot FROM entities ORDER BY key, id;", out var statement));
        using (statement)
        {
            var items = new List<TrieItem>();
            string? key = null;
            byte[] keyBytes = [];
            int result;
            while ((result = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                var rowKey = raw.sqlite3_column_blob(statement, 0);
                if (key is null || !rowKey.SequenceEqual(keyBytes))
                {
                    if (key is not null)
                    {
                        _committed[key] = EntityMap.FromCanonical(Trie.SortAndMerge(items));
                        items.Clear();
                    }
                    keyBytes = rowKey.ToArray();
                    key = Encoding.UTF8.GetString(keyBytes);
                }
                var id = Encoding.UTF8.GetString(raw.sqlite3_column_blob(statement, 1));
                var slot = ActorPresenceSerializer.SlotFromBytes(raw.sqlite3_column_blob(statement, 2));
                items.Add(new TrieItem(EntityHash.Of(id), id, slot));
            }
            Check(db, result == raw.SQLITE_DONE ? raw.SQLITE_OK : result);
            if (key is not null)
            {
                _committed[key] = EntityMap.FromCanonical(Trie.SortAndMerge(items));
            }
        }
    }

    private static void Check(sqlite3 db, int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), result);
        }
    }

    /// <summary>Keys an earlier version kept whole in ddata become entity rows, in one transaction.</summary>
    private void MoveToEntityRows(Dictionary<string, EntityMap> whole)
    {
        var moved = new List<(string Key, EntityMap Map)>();
        var rows = 0;
        using (var transaction = _connection.BeginTransaction())
        {
            foreach (var (key, map) in whole)
            {
                var onDisk = _committed.GetValueOrDefault(key, EntityMap.Empty);
                var merged = onDisk.Merge(map);
                rows += WriteEntities(transaction, key, merged.ChangedSince(onDisk));
                Delete(_deleteWhole, transaction, key);
                moved.Add((key, merged));
            }
            transaction.Commit();
        }
        foreach (var (key, map) in moved)
        {
            _committed[key] = map;
        }
        _log.Info("Moved {0} durable key(s) from whole-key rows to {1} entity rows", moved.Count, rows);
    }

    /// <summary>
    /// Whether the store can still keep what it is given: its file is where it was opened (a file
    /// deleted under an open connection takes writes that a restart would not find) and a small
    /// write to a table of its own commits. Answered between commits, so it never contends with them.
    /// </summary>
    private DurableStoreProbed Probe()
    {
        if (!File.Exists(_path))
        {
            return new DurableStoreProbed(false, _path, $"the store file [{_path}] no longer exists");
        }
        try
        {
            using var write = _connection.CreateCommand();
            write.CommandText = "INSERT INTO health_probe (id, probed_at) VALUES (1, $at) ON CONFLICT(id) DO UPDATE SET probed_at = excluded.probed_at;";
            write.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            write.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            return new DurableStoreProbed(false, _path, $"a write to [{_path}] failed: {e.Message}");
        }
        return new DurableStoreProbed(true, _path, "writable");
    }

    private void CommitPending()
    {
        _commitScheduled = false;
        var batch = _pending.ToList();
        _pending.Clear();
        // A store carries the whole value of its key, and a key's value only grows: the newest
        // store of each key holds everything the earlier ones in the batch did.
        var newestPerKey = new Dictionary<string, Store>(StringComparer.Ordinal);
        foreach (var store in batch)
        {
            newestPerKey[store.Key] = store;
        }
        var maps = new List<(string Key, EntityMap Map)>();
        var others = new List<string>();
        var rows = 0;
        try
        {
            using var transaction = _connection.BeginTransaction();
            foreach (var (key, store) in newestPerKey)
            {
                if (store.Data.Data is EntityMap map)
                {
                    rows += WriteEntities(transaction, key, map.ChangedSince(_committed.GetValueOrDefault(key, EntityMap.Empty)));
                    if (_whole.Contains(key))
                    {
                        Delete(_deleteWhole, transaction, key);
                    }
                    maps.Add((key, map));
                }
                else
                {
                    WriteWhole(transaction, key, store.Data);
                    if (_committed.ContainsKey(key))
                    {
                        Delete(_deleteEntities, transaction, key);
                    }
                    others.Add(key);
                }
            }
            transaction.Commit();
        }
        catch (Exception e) when (e is SqliteException or SerializationException or ArgumentException)
        {
            // Rolled back as a whole; what is committed stays as it was, so the next store of
            // these keys writes their changes again.
            _log.Error(e, "Failed to store {0} durable key(s)", newestPerKey.Count);
            foreach (var store in batch)
            {
                store.Reply?.ReplyTo.Tell(store.Reply.FailureMessage);
            }
            return;
        }
        foreach (var (key, map) in maps)
        {
            _committed[key] = map;
            _whole.Remove(key);
        }
        foreach (var key in others)
        {
            _committed.Remove(key);
            _whole.Add(key);
        }
        if (_log.IsDebugEnabled)
        {
            _log.Debug("Committed {0} store(s) of {1} key(s): {2} entity row(s)", batch.Count, newestPerKey.Count, rows);
        }
        foreach (var store in batch)
        {
            store.Reply?.ReplyTo.Tell(store.Reply.SuccessMessage);
        }
    }

    private int WriteEntities(SqliteTransaction transaction, string key, IReadOnlyList<KeyValuePair<string, Slot>> changes)
    {
        _upsertEntity.Transaction = transaction;
        _upsertEntity.Parameters[0].Value = key;
        foreach (var (id, slot) in changes)
        {
            _upsertEntity.Parameters[1].Value = id;
            _upsertEntity.Parameters[2].Value = ActorPresenceSerializer.SlotToBytes(slot);
            _upsertEntity.ExecuteNonQuery();
        }
        return changes.Count;
    }

    private void WriteWhole(SqliteTransaction transaction, string key, DurableDataEnvelope envelope)
    {
        _upsertWhole.Transaction = transaction;
        _upsertWhole.Parameters[0].Value = key;
        _upsertWhole.Parameters[1].Value = _envelopeSerializer.Manifest(envelope);
        _upsertWhole.Parameters[2].Value = _envelopeSerializer.ToBinary(envelope);
        _upsertWhole.ExecuteNonQuery();
    }

    private static void Delete(SqliteCommand delete, SqliteTransaction transaction, string key)
    {
        delete.Transaction = transaction;
        delete.Parameters[0].Value = key;
        delete.ExecuteNonQuery();
    }

    private sealed class Commit
    {
        public static readonly Commit Instance = new();
    }

    protected override void PostStop()
    {
        _upsertEntity.Dispose();
        _deleteEntities.Dispose();
        _upsertWhole.Dispose();
        _deleteWhole.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Command(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(name, type);
        }
        return command;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
