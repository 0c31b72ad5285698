/**
 * A small ONNX graph builder: nodes, inputs, outputs and initialisers, serialised with onnx-proto.
 * Initialisers can point into external data (the checkpoint's own bytes), so building a graph for a
 * 1.4 GB model takes milliseconds and copies no weights.
 */

import type { onnx as Onnx } from 'onnx-proto';
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: its namespace hangs off the default export
const { onnx } = onnxProto;

export const OPSET = 17;

export const DataType = {
  FLOAT: onnx.TensorProto.DataType.FLOAT,
  FLOAT16: onnx.TensorProto.DataType.FLOAT16,
  INT64: onnx.TensorProto.DataType.INT64,
  BOOL: onnx.TensorProto.DataType.BOOL,
} as const;
export type ElementType = (typeof DataType)[keyof typeof DataType];

/** A dimension: a number, or a symbolic name such as "batch". */
export type Dim = number | string;

type AttributeValue = number | number[] | string | { float: number };

export interface ExternalRef {
  /** The external file's name, as the runtime's externalData option names it. */
  location: string;
  offset: number;
  length: number;
}

export class GraphBuilder {
  private readonly nodes: Onnx.INodeProto[] = [];
  private readonly initializers: Onnx.ITensorProto[] = [];
  private readonly inputs: Onnx.IValueInfoProto[] = [];
  private readonly outputs: Onnx.IValueInfoProto[] = [];
  private counter = 0;
  private readonly constantCache = new Map<string, string>();

  constructor(private readonly graphName: string) {}

  private fresh(hint: string): string {
    this.counter += 1;
    return `${hint}_${this.counter}`;
  }

  input(name: string, type: ElementType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: ElementType, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A float (or float16) initialiser whose bytes live in an external file (no copy). */
  external(name: string, dims: number[], ref: ExternalRef, dataType: ElementType = DataType.FLOAT): string {
    this.initializers.push({
      name,
      dataType,
      dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: ref.location },
        { key: 'offset', value: String(ref.offset) },
        { key: 'length', value: String(ref.length) },
      ],
    });
    return name;
  }

  /** A small constant, deduplicated. */
  constFloat(values: number[], dims: number[] = [values.length]): string {
    const key = `f:${dims.join(',')}:${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const name = this.fresh('const');
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, floatData: values });
    this.constantCache.set(key, name);
    return name;
  }

  constInt64(values: number[], dims: number[] = [values.length]): string {
    const key = `i:${dims.join(',')}:${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    const name = this.fresh('const');
    this.initializers.push({ name, dataType: DataType.INT64, dims, int64Data: values });
    this.constantCache.set(key, name);
    return name;
  }

  /** Add a node; returns its output names. */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    outputCount = 1,
    outputNames?: string[],
  ): string[] {
    const outputs = outputNames ?? Array.from({ length: outputCount }, () => this.fresh(opType));
    this.nodes.push({
      opType,
      name: this.fresh(`n_${opType}`),
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return outputs;
  }

  /** A single-output node. */
  op(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttributeValue> = {},
    name?: string,
  ): string {
    return this.node(opType, inputs, attributes, 1, name ? [name] : undefined)[0]!;
  }

  /** Serialise to ONNX protobuf bytes. */
  build(): Uint8Array {
    const model: Onnx.IModelProto = {
      irVersion: 8,
      producerName: 'lenslab',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }

  get nodeCount(): number {
    return this.nodes.length;
  }
}

function valueInfo(name: string, elemType: ElementType, dims: Dim[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): Onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  return { name, type: T.FLOAT, f: value.float };
}
