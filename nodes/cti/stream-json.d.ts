// The parts of stream-json 1.x that feed.ts uses: the package ships no types.
declare module 'stream-json' {
  export function parser(): NodeJS.ReadWriteStream;
}
declare module 'stream-json/filters/Pick' {
  export function pick(options: { filter: string }): NodeJS.ReadWriteStream;
}
declare module 'stream-json/streamers/StreamArray' {
  export function streamArray(): NodeJS.ReadWriteStream;
}
