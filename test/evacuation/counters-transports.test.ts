/**
 * People counters reach the Evacuation Optimiser through the sensor source over each transport
 * the issue names, end to end against the real services: an area counter over MQTT (Mosquitto,
 * Node-RED's own `mqtt in`), a line counter's totals over HTTP (`http in`, answered by
 * `http response`) and an area counter over Kafka (`impetus-kafka-in`). Each lands in its own
 * area of one small site, so the plan shows which transport delivered what.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import type { KafkaClient } from '../../nodes/platform';
import { createKafkaClient, ensureTopic } from '../../nodes/platform';
import { alertNodes, collect, httpNode, kafkaNodes, load, sensorNodes, useRuntime, waitFor } from '../support/nodered';
import { kafkaBrokers, mqttUrl, unique } from '../support/services';

const mqttNodes = require('@node-red/nodes/core/network/10-mqtt.js');
const httpNodes = require('@node-red/nodes/core/network/21-httpin.js');

type Occupancy = { areaId: string; people: number; source: string };
type Plan = { people: number; occupancy: Occupancy[]; areas: Array<{ areaId: string; people: number }>; exits: Array<{ people: number }> };

/** Three rooms on one corridor to the street: each room is fed by one transport. */
const site = {
  siteId: 'counters',
  name: 'Counter test hall',
  premovementSeconds: 0,
  areas: [
    { id: 'hall', areaM2: 400 },
    { id: 'foyer', areaM2: 200 },
    { id: 'terrace', areaM2: 300 },
    { id: 'corridor', areaM2: 100 },
  ],
  exits: [{ id: 'street' }],
  links: [
    { id: 'hall-door', kind: 'door', from: 'hall', to: 'corridor', widthM: 2 },
    { id: 'foyer-door', kind: 'door', from: 'foyer', to: 'corridor', widthM: 2 },
    { id: 'terrace-door', kind: 'door', from: 'terrace', to: 'corridor', widthM: 2 },
    { id: 'main-door', kind: 'door', from: 'corridor', to: 'street', widthM: 3 },
  ],
};

describe('evacuation people counters over MQTT, HTTP and Kafka (real Mosquitto and Kafka)', function () {
  this.timeout(60_000);
  let mqttAddress: URL;
  let brokers: string[] = [];
  let kafka: KafkaClient;
  let mqttTopic = '';

  before(function () {
    mqttAddress = new URL(mqttUrl(this));
    brokers = kafkaBrokers(this);
    kafka = createKafkaClient({ clientId: 'evacuation-counter-tests', brokers });
  });
  useRuntime();
  afterEach(async () => {
    // The MQTT count is retained so that the subscription, whenever it lands, gets it; an empty
    // retained message takes it off the broker again.
    if (mqttTopic) await publishMqtt(mqttTopic, '');
    mqttTopic = '';
  });

  async function publishMqtt(topic: string, payload: string): Promise<void> {
    const client = await mqtt.connectAsync(mqttAddress.href, { clientId: unique('counter-test'), reconnectPeriod: 0, connectTimeout: 5000 });
    try {
      await client.publishAsync(topic, payload, { qos: 1, retain: true });
    } finally {
      await client.endAsync();
    }
  }

  async function produceKafka(topic: string, value: object): Promise<void> {
    await ensureTopic(kafka, topic, 1);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: 'terrace', value: JSON.stringify(value) }] });
    } finally {
      await producer.disconnect();
    }
  }

  it('plans with the people each transport counted: area counts as sent, a line counter as entries − exits', async function () {
    mqttTopic = `impetus/test/${unique('counters')}/hall`;
    const kafkaTopic = unique('counters');
    // Kafka first: the consumer group reads the topic from its beginning once the flow is up.
    await produceKafka(kafkaTopic, { sensorId: 'wifi-terrace', variable: 'people', value: 75, zone: 'terrace' });
    await load([...alertNodes, ...sensorNodes, ...kafkaNodes, mqttNodes, httpNodes], [
      { id: 'f', type: 'tab' },
      { id: 'mqtt-conn', type: 'mqtt-broker', broker: mqttAddress.hostname, port: mqttAddress.port, clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '15', cleansession: true },
      { id: 'kafka-conn', type: 'impetus-kafka-broker', brokers: brokers.join(','), clientId: 'impetus-test', saslMechanism: 'none' },
      { id: 'mqtt-in', z: 'f', type: 'mqtt in', broker: 'mqtt-conn', topic: mqttTopic, qos: '1', datatype: 'auto-detect', nl: false, rap: true, rh: 0, inputs: 0, wires: [['sensors']] },
      { id: 'http-in', z: 'f', type: 'http in', url: '/counters', method: 'post', upload: false, wires: [['sensors']] },
      { id: 'kafka-in', z: 'f', type: 'impetus-kafka-in', broker: 'kafka-conn', topics: kafkaTopic, groupId: unique('evacuation'), fromBeginning: true, decode: 'json', wires: [['sensors']] },
      // Output 1 goes to the HTTP response too: the reused input message still carries msg.res.
      { id: 'sensors', z: 'f', type: 'impetus-sensor-in', format: 'auto', wires: [['evacuation', 'http-out'], [], []] },
      { id: 'http-out', z: 'f', type: 'http response', statusCode: '', wires: [] },
      { id: 'evacuation', z: 'f', type: 'impetus-evacuation', siteJson: JSON.stringify(site), debounce: 0, wires: [['plans'], [], [], [], [], [], []] },
      { id: 'plans', z: 'f', type: 'helper' },
    ]);
    const plans = collect<{ topic: string; payload: Plan }>('plans');
    const latest = () => plans.at(-1)?.payload;
    const area = (id: string) => latest()?.occupancy.find((a) => a.areaId === id);

    await publishMqtt(mqttTopic, JSON.stringify({ sensorId: 'cam-hall', variable: 'occupancy', value: 240, zone: 'hall' }));
    await waitFor(() => area('hall')?.people === 240, 'the MQTT area count in the plan', 20_000);
    await waitFor(() => area('terrace')?.people === 75, 'the Kafka area count in the plan', 45_000);
    assert.equal(area('hall')?.source, 'area-counter');
    assert.equal(area('terrace')?.source, 'area-counter');

    // A line counter sends running totals since it was switched on: its first totals only set
    // where it stands, and the people inside are what came in minus what went out since then.
    const door = (entries: number, exits: number) => [
      { sensorId: 'door-foyer', variable: 'in', value: entries, zone: 'foyer' },
      { sensorId: 'door-foyer', variable: 'out', value: exits, zone: 'foyer' },
    ];
    const first = await httpNode().post('/counters').send(door(5000, 4990)).expect(200);
    assert.deepEqual((first.body as Array<{ variable: string; value: number }>).map((r) => [r.variable, r.value]), [['in', 5000], ['out', 4990]]);
    await waitFor(() => area('foyer')?.source === 'line-counter', 'the line counter in the plan', 10_000);
    assert.equal(area('foyer')?.people, 0);
    await httpNode().post('/counters').send(door(5130, 5010)).expect(200);
    // (5130 − 5000) in − (5010 − 4990) out = 130 − 20.
    await waitFor(() => area('foyer')?.people === 110, 'entries − exits of the line counter', 10_000);

    const plan = latest() as Plan;
    assert.equal(plans.at(-1)?.topic, 'evacuation/plan');
    assert.equal(plan.people, 240 + 110 + 75);
    assert.deepEqual(Object.fromEntries(plan.areas.map((a) => [a.areaId, a.people])), { hall: 240, foyer: 110, terrace: 75, corridor: 0 });
    assert.equal(plan.exits.reduce((s, e) => s + e.people, 0), 425, 'everyone counted is routed out');
  });
});
