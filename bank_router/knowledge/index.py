"""Chroma index of knowledge prose: chunked, embedded offline, rebuilt per changed file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings

from bank_router.knowledge.catalog import Catalog
from bank_router.knowledge.loader import Doc
from bank_router.language.embeddings import Embedder

COLLECTION = "knowledge"
MAX_CHUNK = 700
SYNC_GROUP = 32  # files per encode and write while indexing


@dataclass(frozen=True)
class Chunk:
    id: str
    path: str
    text: str
    score: float
    meta: dict[str, Any]


def chunk_body(body: str, title: str) -> list[str]:
    """Split prose on `##` sections, then on paragraphs past MAX_CHUNK characters."""
    chunks: list[str] = []
    for section in re.split(r"\n(?=## )", body):
        section = section.strip()
        if not section:
            continue
        paras, buf = section.split("\n\n"), ""
        for p in paras:
            if buf and len(buf) + len(p) > MAX_CHUNK:
                chunks.append(buf)
                buf = ""
            buf = f"{buf}\n\n{p}" if buf else p
        if buf:
            chunks.append(buf)
    # The title keeps a chunk about "Eligibility" tied to its product.
    return [f"{title}\n{c}" for c in chunks]


def _doc_meta(doc: Doc[Any]) -> dict[str, Any]:
    m = doc.meta
    kind = doc.path.split("/")[1]
    return {
        "path": doc.path,
        "kind": kind,
        "doc_id": m.id,
        "domain": getattr(m, "domain", None) or "",
        "vertical": getattr(m, "vertical", None) or "",
        "sha": doc.sha,
    }


def _title(doc: Doc[Any]) -> str:
    m = doc.meta
    return str(getattr(m, "name", None) or getattr(m, "term", None) or getattr(m, "title", ""))


def make_client(chroma_path: Path, chroma_url: str | None) -> Any:
    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        host, _, port = chroma_url.split("://", 1)[-1].partition(":")
        return chromadb.HttpClient(host=host, port=int(port or 8000), settings=settings)
    chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma_path), settings=settings)


class KnowledgeIndex:
    def __init__(self, client: Any, embedder: Embedder) -> None:
        self._embedder = embedder
        self._client = client
        self._col = self._collection()
        if (self._col.metadata or {}).get("embedding_model") != embedder.model_id:
            # Vectors of another model are meaningless to this one: start the collection again.
            client.delete_collection(COLLECTION)
            self._col = self._collection()

    def _collection(self) -> Any:
        return self._client.get_or_create_collection(
            COLLECTION,
            embedding_function=None,
            metadata={"embedding_model": self._embedder.model_id},
            configuration={"hnsw": {"space": "cosine"}},
        )

    def sync(self, catalog: Catalog, progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
        """Re-embed only files whose content hash changed; drop chunks of removed files."""
        stored = self._col.get(include=["metadatas"])
        have: dict[str, str] = {}
        for meta in stored["metadatas"] or []:
            have[str(meta["path"])] = str(meta["sha"])
        docs = {d.path: d for d in catalog.all_docs()}
        stale = [p for p, sha in have.items() if p not in docs or docs[p].sha != sha]
        fresh = [d for p, d in docs.items() if have.get(p) != d.sha]
        for p in stale:
            self._col.delete(where={"path": p})
        # Files go in groups: one encode call (batched by length on every core) and one write per group.
        for start in range(0, len(fresh), SYNC_GROUP):
            group = fresh[start : start + SYNC_GROUP]
            ids: list[str] = []
            texts: list[str] = []
            metas: list[dict[str, Any]] = []
            for doc in group:
                chunks = chunk_body(doc.body, _title(doc))
                ids += [f"{doc.path}#{n}" for n in range(len(chunks))]
                texts += chunks
                metas += [_doc_meta(doc)] * len(chunks)
            if texts:
                vecs = self._embedder.encode(texts)
                self._col.add(ids=ids, documents=texts, embeddings=vecs.tolist(), metadatas=metas)
            if progress:
                progress(start + len(group), len(fresh))
        return {
            "files": len(docs),
            "reindexed": len(fresh),
            "removed": len(stale) - len([p for p in stale if p in docs]),
        }

    def search(self, query_vec: Any, k: int = 4, where: dict[str, Any] | None = None) -> list[Chunk]:
        res = self._col.query(
            query_embeddings=[list(map(float, query_vec))],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for cid, text, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            out.append(Chunk(cid, str(meta["path"]), text, 1.0 - float(dist), dict(meta)))
        return out

    def count(self) -> int:
        return int(self._col.count())
