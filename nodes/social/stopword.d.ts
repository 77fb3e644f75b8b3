// stopword 3 ships no types (and @types/stopword describes version 2): the lists this package reads.
declare module 'stopword' {
  export const eng: string[];
  export const ita: string[];
  export const nob: string[];
}
