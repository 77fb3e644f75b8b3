/** The IMPETUS tools the console knows by name; alerts of any other (plug-in) tool still show, under their key. */
export interface ToolInfo {
  id: string;
  name: string;
  summary: string;
}

export const TOOLS: readonly ToolInfo[] = [
  { id: 'firearm', name: 'Firearm Detector', summary: 'Firearms in CCTV frames' },
  { id: 'bacteria', name: 'Bacteria Detector', summary: 'Abnormal airborne bacteria' },
  { id: 'anomaly', name: 'Urban Anomaly Detector', summary: 'Anomalies in city sensor data' },
  { id: 'social', name: 'Social Media Detection', summary: 'Threat cues in public posts' },
  { id: 'evacuation', name: 'Evacuation Optimiser', summary: 'Evacuation time, risk and routes' },
  { id: 'cti', name: 'Cyber Threat Intelligence', summary: 'Asset alerts from threat-intel feeds' },
  { id: 'ctdr', name: 'Cyber Threat Detection & Response', summary: 'IDS events against vulnerabilities' },
  { id: 'workload', name: 'Workload Monitoring', summary: 'Operator workload, sensor availability' },
];

export const TOOL_IDS: ReadonlySet<string> = new Set(TOOLS.map((t) => t.id));

export function toolInfo(id: string): ToolInfo {
  return TOOLS.find((t) => t.id === id) ?? { id, name: id, summary: '' };
}
