// fili 2.0.3 ships no types; the part this area uses.
declare module 'fili' {
  interface CascadeOptions { order: number; characteristic: 'butterworth' | 'bessel'; Fs: number; Fc: number; BW?: number; gain?: number; preGain?: boolean }
  interface Fili {
    CalcCascades: new () => { highpass(options: CascadeOptions): unknown; lowpass(options: CascadeOptions): unknown };
    IirFilter: new (coefficients: unknown) => { multiStep(input: number[]): number[] };
  }
  const fili: Fili;
  export = fili;
}
