package dev.ensemble.sync.files;

import dev.ensemble.sync.protocol.DocumentId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.automerge.AmValue;
import org.automerge.MapEntry;
import org.automerge.NewValue;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Read;
import org.automerge.Transaction;

/**
 * The project root document: {@code { files: { [path]: { docUrl, kind, size, blobId? } }, name }}.
 * Strings are written as Automerge text, as automerge-js writes a plain string, so that browsers
 * read plain strings; both text and scalar strings are read. {@code files} is a map keyed by path.
 */
public final class FileTree {
  static final String FILES = "files";
  static final String NAME = "name";
  static final String CONTENT = "content";

  private FileTree() {}

  /** Kind of a file: an Automerge text document, or a blob. */
  public enum Kind {
    TEXT("text"),
    BINARY("binary");

    final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    static Optional<Kind> parse(String s) {
      for (Kind k : values()) {
        if (k.wire.equals(s)) {
          return Optional.of(k);
        }
      }
      return Optional.empty();
    }
  }

  /** One file of the tree: a text file has a document, a binary file a blob. */
  public record Entry(String path, Kind kind, long size, Optional<DocumentId> doc, Optional<java.util.UUID> blob) {}

  /** Creates {@code files} and {@code name} unless the document has them; true when it did. */
  static boolean initialise(Transaction tx, String projectName) {
    if (tx.get(ObjectId.ROOT, FILES).isPresent()) {
      return false;
    }
    tx.set(ObjectId.ROOT, FILES, ObjectType.MAP);
    text(tx, ObjectId.ROOT, NAME, projectName);
    return true;
  }

  /** Sets the project name the root document shows, as a minimal edit of the existing text. */
  static void setName(Transaction tx, String projectName) {
    Optional<ObjectId> existing = tx.get(ObjectId.ROOT, NAME)
        .flatMap(v -> v instanceof AmValue.Text t ? Optional.of(t.getId()) : Optional.empty());
    if (existing.isEmpty()) {
      text(tx, ObjectId.ROOT, NAME, projectName);
      return;
    }
    String before = tx.text(existing.get()).orElse("");
    for (TextDiff.CodePointSplice s : TextDiff.forAutomerge(before, TextDiff.between(before, projectName))) {
      tx.spliceText(existing.get(), s.at(), s.delete(), s.insert());
    }
  }

  static List<Entry> list(Read doc) {
    List<Entry> out = new ArrayList<>();
    files(doc).flatMap(doc::mapEntries).ifPresent(entries -> {
      for (MapEntry e : entries) {
        if (e.getValue() instanceof AmValue.Map m) {
          entry(doc, e.getKey(), m.getId()).ifPresent(out::add);
        }
      }
    });
    out.sort(java.util.Comparator.comparing(Entry::path));
    return out;
  }

  static Optional<Entry> get(Read doc, String path) {
    return files(doc).flatMap(files -> entry(doc, files, path));
  }

  /** Writes (or replaces) the entry of the path. */
  static void put(Transaction tx, Entry e) {
    ObjectId files = files(tx).orElseGet(() -> tx.set(ObjectId.ROOT, FILES, ObjectType.MAP));
    ObjectId entry = tx.set(files, e.path(), ObjectType.MAP);
    e.doc().ifPresent(d -> text(tx, entry, "docUrl", d.url()));
    text(tx, entry, "kind", e.kind().wire);
    tx.set(entry, "size", NewValue.integer(e.size()));
    e.blob().ifPresent(b -> text(tx, entry, "blobId", b.toString()));
  }

  /** Updates only the size of an existing entry (keeps concurrent changes to its other fields). */
  static void setSize(Transaction tx, String path, long size) {
    files(tx).flatMap(files -> tx.get(files, path)).ifPresent(v -> {
      if (v instanceof AmValue.Map m) {
        tx.set(m.getId(), "size", NewValue.integer(size));
      }
    });
  }

  static boolean remove(Transaction tx, String path) {
    Optional<ObjectId> files = files(tx);
    if (files.isEmpty() || tx.get(files.get(), path).isEmpty()) {
      return false;
    }
    tx.delete(files.get(), path);
    return true;
  }

  private static Optional<ObjectId> files(Read doc) {
    return doc.get(ObjectId.ROOT, FILES).flatMap(v -> v instanceof AmValue.Map m ? Optional.of(m.getId()) : Optional.empty());
  }

  private static Optional<Entry> entry(Read doc, ObjectId files, String path) {
    return doc.get(files, path).flatMap(v -> v instanceof AmValue.Map m ? entry(doc, path, m.getId()) : Optional.empty());
  }

  private static Optional<Entry> entry(Read doc, String path, ObjectId id) {
    Optional<Kind> kind = string(doc, id, "kind").flatMap(Kind::parse);
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    Optional<DocumentId> docId = string(doc, id, "docUrl").flatMap(DocumentId::fromUrl);
    Optional<java.util.UUID> blob = string(doc, id, "blobId").flatMap(FileTree::uuid);
    if (kind.get() == Kind.TEXT ? docId.isEmpty() : blob.isEmpty()) {
      return Optional.empty(); // not (yet) a complete entry
    }
    return Optional.of(new Entry(path, kind.get(), number(doc, id, "size"), docId, blob));
  }

  private static void text(Transaction tx, ObjectId parent, String key, String value) {
    ObjectId t = tx.set(parent, key, ObjectType.TEXT);
    tx.spliceText(t, 0, 0, value);
  }

  private static Optional<String> string(Read doc, ObjectId parent, String key) {
    return doc.get(parent, key).flatMap(v -> {
      if (v instanceof AmValue.Text t) {
        return doc.text(t.getId());
      }
      return v instanceof AmValue.Str s ? Optional.of(s.getValue()) : Optional.empty();
    });
  }

  private static long number(Read doc, ObjectId parent, String key) {
    return doc.get(parent, key).map(v -> {
      if (v instanceof AmValue.Int i) {
        return i.getValue();
      } else if (v instanceof AmValue.UInt u) {
        return u.getValue();
      } else if (v instanceof AmValue.F64 f) {
        return (long) f.getValue();
      }
      return 0L;
    }).orElse(0L);
  }

  private static Optional<java.util.UUID> uuid(String s) {
    try {
      return Optional.of(java.util.UUID.fromString(s));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
