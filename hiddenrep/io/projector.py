"""TensorBoard Embedding Projector config (``projector_config.pbtxt``): read and write, no protobuf needed."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'#[^\n]*|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[{}:]|[^\s{}:#]+')

CONFIG_NAME = "projector_config.pbtxt"


@dataclass(frozen=True)
class ProjectorTensor:
    name: str
    tensor_path: str
    metadata_path: str | None
    shape: tuple[int, int] | None


def parse_config(text: str, source: str = CONFIG_NAME) -> list[ProjectorTensor]:
    """The ``embeddings { ... }`` blocks of a projector config, in file order."""
    from .readers import InvalidImportError

    tokens = [t for t in _TOKEN.findall(text) if not t.startswith("#")]
    stack: list[dict] = [{}]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "}":
            if len(stack) == 1:
                raise InvalidImportError(f"{source}: unbalanced '}}'.")
            stack.pop()
            i += 1
            continue
        after = tokens[i + 1 : i + 3]
        if after[:1] == ["{"] or after == [":", "{"]:
            child: dict = {}
            stack[-1].setdefault(token, []).append(child)
            stack.append(child)
            i += 2 if after[:1] == ["{"] else 3
        elif after[:1] == [":"] and len(after) == 2 and after[1] not in "{}:":
            stack[-1].setdefault(token, []).append(after[1].strip("\"'"))
            i += 3
        else:
            raise InvalidImportError(f"{source}: cannot parse near {' '.join(tokens[i:i + 4])!r}; it should be "
                                     'a text protobuf like: embeddings { tensor_path: "vectors.tsv" }.')
    if len(stack) != 1:
        raise InvalidImportError(f"{source}: a '{{' is never closed.")
    tensors = []
    for index, block in enumerate(stack[0].get("embeddings", [])):
        if "tensor_path" not in block:
            raise InvalidImportError(f"{source}: embeddings block {index + 1} has no tensor_path.")
        shape = block.get("tensor_shape", [])
        if shape and (len(shape) != 2 or not all(v.isdigit() for v in shape)):
            raise InvalidImportError(f"{source}: tensor_shape of block {index + 1} must be two whole numbers "
                                     "(examples, dimensions).")
        tensors.append(ProjectorTensor(block.get("tensor_name", [f"tensor {index}"])[0], block["tensor_path"][0],
                                       block.get("metadata_path", [None])[0],
                                       (int(shape[0]), int(shape[1])) if shape else None))
    if not tensors:
        raise InvalidImportError(f"{source}: no 'embeddings {{ ... }}' blocks.")
    return tensors


def write_config(tensors: list[ProjectorTensor]) -> str:
    blocks = []
    for tensor in tensors:
        lines = [f'  tensor_name: "{tensor.name}"', f'  tensor_path: "{tensor.tensor_path}"']
        if tensor.metadata_path:
            lines.append(f'  metadata_path: "{tensor.metadata_path}"')
        blocks.append("embeddings {\n" + "\n".join(lines) + "\n}\n")
    return "".join(blocks)
