package dev.ensemble.sync.files;

import dev.ensemble.http.ApiException;
import dev.ensemble.projects.Project;
import dev.ensemble.sync.Documents;
import dev.ensemble.sync.files.FileTree.Entry;
import dev.ensemble.sync.files.FileTree.Kind;
import dev.ensemble.sync.protocol.DocumentId;
import dev.ensemble.sync.store.DocumentStore;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.automerge.AmValue;
import org.automerge.ChangeHash;
import org.automerge.ObjectId;
import org.automerge.ObjectType;
import org.automerge.Read;
import org.automerge.Transaction;

/**
 * A project's files as scripts see them: the tree in the root document, text in one document per
 * file, binary files as blobs. Every change goes through the documents' own path, so connected
 * editors see it arrive; a new text replaces the old one by a minimal diff.
 */
public final class ProjectFiles {
  private final Documents documents;
  private final BlobStore blobs;

  public ProjectFiles(Documents documents, Pool pool) {
    this.documents = documents;
    this.blobs = new BlobStore(pool);
  }

  /** What a file holds, for reading it back. */
  public record Content(Kind kind, byte[] bytes) {}

  /** The file an operation left, and whether it was new. */
  public record Written(Entry entry, boolean created) {}

  /** Creates the project's root document with an empty tree unless it has one. */
  public Future<Void> ensureRoot(Project project) {
    return documents
        .createAndChange(root(project), project.id(), tx -> FileTree.initialise(tx, project.name()))
        .mapEmpty();
  }

  /** Shows the project's new name in its root document (collaborators see it change live). */
  public Future<Void> renameRoot(Project project, String name) {
    return ensureRoot(project)
        .compose(v -> documents.change(root(project), project.id(), tx -> {
          FileTree.setName(tx, name);
          return Boolean.TRUE;
        }))
        .mapEmpty();
  }

  public Future<List<Entry>> list(Project project) {
    return readRoot(project, FileTree::list);
  }

  /** The file's bytes (text as UTF-8); empty when there is no such file. */
  public Future<Optional<Content>> read(Project project, FilePath path) {
    return entry(project, path).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(Optional.<Content>empty());
      }
      Entry e = found.get();
      if (e.kind() == Kind.BINARY) {
        return blobs.get(project.id(), e.blob().orElseThrow())
            .map(b -> b.map(bytes -> new Content(Kind.BINARY, bytes)));
      }
      return documents.read(e.doc().orElseThrow(), project.id(), ProjectFiles::content)
          .map(text -> text.map(t -> new Content(Kind.TEXT, t.getBytes(StandardCharsets.UTF_8))));
    });
  }

  /**
   * A file as read at one moment: its content and, for a text file, the document and the heads it
   * was read at, so a later edit can be made against exactly that version ({@link #writeOnto}),
   * and the document's stored seq when the content was exactly what the store held at that seq
   * (see {@link Documents.Stamped}).
   */
  public record Version(Content content, Optional<DocumentId> doc, Optional<ChangeHash[]> heads, OptionalLong storedSeq) {}

  /**
   * How far the project's stored documents (tree and files) have come, on every node: it changes
   * whenever any of them changes (see {@link DocumentStore.ProjectVersion}).
   */
  public Future<DocumentStore.ProjectVersion> storedVersion(Project project) {
    return documents.storedVersion(project.id());
  }

  /** The last stored seq of each of the project's documents (to compare with {@link Version#storedSeq}). */
  public Future<Map<DocumentId, Long>> storedSeqs(Project project) {
    return documents.storedSeqs(project.id());
  }

  /** The tree as read from the root document at one moment, stamped with the root's stored version. */
  public Future<Documents.Stamped<List<Entry>>> listStamped(Project project) {
    return ensureRoot(project)
        .compose(v -> documents.readStamped(root(project), project.id(), FileTree::list))
        .map(r -> r.orElseThrow(() -> new IllegalStateException("root document of " + project.id() + " is missing")));
  }

  /**
   * The version of the file an entry of {@link #listStamped} names (without reading the tree
   * again); empty when its document or blob is gone.
   */
  public Future<Optional<Version>> readVersion(Project project, Entry e) {
    if (e.kind() == Kind.BINARY) {
      return blobs.get(project.id(), e.blob().orElseThrow())
          .map(b -> b.map(bytes -> new Version(new Content(Kind.BINARY, bytes), Optional.empty(), Optional.empty(),
              OptionalLong.empty())));
    }
    DocumentId doc = e.doc().orElseThrow();
    return documents.readStamped(doc, project.id(), d -> new Version(
            new Content(Kind.TEXT, content(d).getBytes(StandardCharsets.UTF_8)), Optional.of(doc), Optional.of(d.getHeads()),
            OptionalLong.empty()))
        .map(read -> read.map(r -> new Version(r.value().content(), r.value().doc(), r.value().heads(),
            r.storedOnly() ? OptionalLong.of(r.seq()) : OptionalLong.empty())));
  }

  /** The file's content with the version it was read at; empty when there is no such file. */
  public Future<Optional<Version>> readVersion(Project project, FilePath path) {
    return entry(project, path).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(Optional.<Version>empty());
      }
      Entry e = found.get();
      if (e.kind() == Kind.BINARY) {
        return blobs.get(project.id(), e.blob().orElseThrow())
            .map(b -> b.map(bytes -> new Version(new Content(Kind.BINARY, bytes), Optional.empty(), Optional.empty(),
                OptionalLong.empty())));
      }
      DocumentId doc = e.doc().orElseThrow();
      return documents.read(doc, project.id(), d -> new Version(
              new Content(Kind.TEXT, content(d).getBytes(StandardCharsets.UTF_8)), Optional.of(doc), Optional.of(d.getHeads()),
              OptionalLong.empty()));
    });
  }

  /**
   * A three-way write: turns the text of {@code base} into {@code body} as an edit made against
   * that version, so whatever collaborators typed since is merged with it rather than replaced.
   * Empty (nothing written) when it cannot apply: the file is no longer the same text document,
   * {@code base} is not a text version, or the body is not text.
   */
  public Future<Optional<Written>> writeOnto(Project project, FilePath path, Version base, byte[] body) {
    Optional<String> text = asText(body);
    if (text.isEmpty() || base.doc().isEmpty() || base.heads().isEmpty() || base.content().kind() != Kind.TEXT) {
      return Future.succeededFuture(Optional.empty());
    }
    DocumentId doc = base.doc().get();
    String before = new String(base.content().bytes(), StandardCharsets.UTF_8);
    return entry(project, path).compose(now -> {
      if (now.isEmpty() || now.get().kind() != Kind.TEXT || !now.get().doc().equals(Optional.of(doc))) {
        return Future.succeededFuture(Optional.<Written>empty());
      }
      Entry old = now.get();
      return documents
          .changeAt(doc, project.id(), base.heads().get(), tx -> {
            ObjectId content = contentId(tx);
            for (TextDiff.CodePointSplice s : TextDiff.forAutomerge(before, TextDiff.between(before, text.get()))) {
              tx.spliceText(content, s.at(), s.delete(), s.insert());
            }
            return Boolean.TRUE;
          })
          .compose(changed -> changed.isEmpty()
              ? Future.succeededFuture(Optional.<Long>empty())
              : documents.read(doc, project.id(), d -> (long) content(d).getBytes(StandardCharsets.UTF_8).length))
          .compose(size -> {
            if (size.isEmpty()) {
              return Future.succeededFuture(Optional.<Written>empty());
            }
            Entry updated = new Entry(old.path(), Kind.TEXT, size.get(), old.doc(), Optional.empty());
            return old.size() == size.get()
                ? Future.succeededFuture(Optional.of(new Written(updated, false)))
                : documents.change(root(project), project.id(), tx -> {
                    FileTree.setSize(tx, old.path(), size.get());
                    return Boolean.TRUE;
                  }).map(Optional.of(new Written(updated, false)));
          });
    });
  }

  /**
   * Creates the file or replaces its content: text (valid UTF-8 that does not look binary) as a
   * minimal diff of the existing text document, anything else as a new blob.
   */
  public Future<Written> write(Project project, FilePath path, byte[] body) {
    Optional<String> text = asText(body);
    return entry(project, path).compose(existing -> {
      Optional<Entry> old = existing;
      if (text.isPresent() && old.isPresent() && old.get().kind() == Kind.TEXT) {
        return replaceText(project, old.get(), text.get(), body.length)
            .compose(updated -> updated.isPresent()
                ? Future.succeededFuture(new Written(updated.get(), false))
                : createText(project, path, text.get(), body.length, old));
      }
      return text.isPresent()
          ? createText(project, path, text.get(), body.length, old)
          : createBinary(project, path, body, old);
    });
  }

  /** Removes the file from the tree (a text document stays in the store with its history). */
  public Future<Boolean> delete(Project project, FilePath path) {
    return documents
        .change(root(project), project.id(), tx -> {
          Optional<Entry> e = FileTree.get(tx, path.value());
          FileTree.remove(tx, path.value());
          return e;
        })
        .compose(removed -> {
          Optional<Entry> e = removed.flatMap(x -> x);
          if (e.isPresent() && e.get().blob().isPresent()) {
            return blobs.delete(project.id(), e.get().blob().get()).map(true);
          }
          return Future.succeededFuture(e.isPresent());
        });
  }

  /** Moves a file to a free path; 404 without the source, 409 when the target is taken. */
  public Future<Entry> move(Project project, FilePath from, FilePath to) {
    return ensureRoot(project)
        .compose(v -> documents.change(root(project), project.id(), tx -> {
          Entry e = FileTree.get(tx, from.value()).orElseThrow(() -> ApiException.notFound("file " + from));
          if (from.equals(to)) {
            return e;
          }
          if (FileTree.get(tx, to.value()).isPresent()) {
            throw ApiException.conflict("file_exists", "a file exists at " + to);
          }
          Entry moved = new Entry(to.value(), e.kind(), e.size(), e.doc(), e.blob());
          FileTree.put(tx, moved);
          FileTree.remove(tx, from.value());
          return moved;
        }))
        .map(Optional::orElseThrow);
  }

  // ---- steps ---------------------------------------------------------------------------------

  private Future<Optional<Entry>> entry(Project project, FilePath path) {
    return readRoot(project, doc -> FileTree.get(doc, path.value()));
  }

  private <T> Future<T> readRoot(Project project, java.util.function.Function<Read, T> reader) {
    return ensureRoot(project)
        .compose(v -> documents.read(root(project), project.id(), doc -> reader.apply(doc)))
        .map(r -> r.orElseThrow(() -> new IllegalStateException("root document of " + project.id() + " is missing")));
  }

  /** Applies the new text as splices; empty when the document is gone. */
  private Future<Optional<Entry>> replaceText(Project project, Entry old, String text, long size) {
    return documents
        .change(old.doc().orElseThrow(), project.id(), tx -> {
          ObjectId content = contentId(tx);
          String before = tx.text(content).orElse("");
          for (TextDiff.CodePointSplice s : TextDiff.forAutomerge(before, TextDiff.between(before, text))) {
            tx.spliceText(content, s.at(), s.delete(), s.insert());
          }
          return Boolean.TRUE;
        })
        .compose(changed -> {
          if (changed.isEmpty()) {
            return Future.succeededFuture(Optional.<Entry>empty());
          }
          Entry updated = new Entry(old.path(), Kind.TEXT, size, old.doc(), Optional.empty());
          return old.size() == size
              ? Future.succeededFuture(Optional.of(updated))
              : documents.change(root(project), project.id(), tx -> {
                  FileTree.setSize(tx, old.path(), size);
                  return Boolean.TRUE;
                }).map(Optional.of(updated));
        });
  }

  private Future<Written> createText(Project project, FilePath path, String text, long size, Optional<Entry> old) {
    DocumentId id = DocumentId.random();
    Entry entry = new Entry(path.value(), Kind.TEXT, size, Optional.of(id), Optional.empty());
    return documents
        .createAndChange(id, project.id(), tx -> {
          ObjectId content = tx.set(ObjectId.ROOT, FileTree.CONTENT, ObjectType.TEXT);
          tx.spliceText(content, 0, 0, text);
          return Boolean.TRUE;
        })
        .compose(v -> putEntry(project, entry, old));
  }

  private Future<Written> createBinary(Project project, FilePath path, byte[] body, Optional<Entry> old) {
    return blobs.put(project.id(), body)
        .compose(blob -> putEntry(project, new Entry(path.value(), Kind.BINARY, body.length, Optional.empty(), Optional.of(blob)), old));
  }

  private Future<Written> putEntry(Project project, Entry entry, Optional<Entry> old) {
    return documents
        .change(root(project), project.id(), tx -> {
          FileTree.put(tx, entry);
          return Boolean.TRUE;
        })
        .compose(v -> old.flatMap(Entry::blob)
            .map(blob -> blobs.delete(project.id(), blob))
            .orElse(Future.succeededFuture()))
        .map(new Written(entry, old.isEmpty()));
  }

  // ---- documents -----------------------------------------------------------------------------

  private static DocumentId root(Project project) {
    return new DocumentId(project.rootDocId());
  }

  private static String content(Read doc) {
    return doc.get(ObjectId.ROOT, FileTree.CONTENT)
        .flatMap(v -> v instanceof AmValue.Text t ? doc.text(t.getId()) : Optional.empty())
        .orElse("");
  }

  /** The {@code content} text of a file document, created when missing or not text. */
  private static ObjectId contentId(Transaction tx) {
    return tx.get(ObjectId.ROOT, FileTree.CONTENT)
        .flatMap(v -> v instanceof AmValue.Text t ? Optional.of(t.getId()) : Optional.empty())
        .orElseGet(() -> tx.set(ObjectId.ROOT, FileTree.CONTENT, ObjectType.TEXT));
  }

  /** The text of the bytes when they are UTF-8 and do not look binary (control characters). */
  static Optional<String> asText(byte[] bytes) {
    String s;
    try {
      s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x0b && c != 0x1b && c != '\b')
          || c == 0x7f) {
        return Optional.empty();
      }
    }
    return Optional.of(s);
  }
}
