// ELK's layout engine, run off the main thread so laying out a large flow never blocks typing.
import 'elkjs/lib/elk-worker.min.js'
