import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b,c,d,e,f,g,h,i,j,k,l,m}from"./chunk-ZVQTWJPC.js";import"./chunk-MN6PXJ3M.js";import"./chunk-DVTTKJ73.js";export{d as BREADTH_INDEX,b as BREADTH_TOPIC,i as INDEX_TEMPLATE_FILES,k as KEY_FORMAT,j as KIBANA_OBJECTS_FILE,c as SIGNALS_INDEX,a as SIGNALS_TOPIC,g as SINK_ES_UNAVAILABLE_MS,e as SINK_GROUP_ID,f as TOPIC_PARTITIONS,h as TOPIC_REPLICATION,m as kibanaUrl,l as publishConfig};
