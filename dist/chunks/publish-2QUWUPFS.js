import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{a,b,c,d,e,f,g,h,i,j,k,l}from"./chunk-ERVT6HH2.js";import"./chunk-47X2OR5K.js";import"./chunk-CVIAFCHR.js";export{d as BREADTH_INDEX,b as BREADTH_TOPIC,h as INDEX_TEMPLATE_FILES,j as KEY_FORMAT,i as KIBANA_OBJECTS_FILE,c as SIGNALS_INDEX,a as SIGNALS_TOPIC,e as SINK_GROUP_ID,f as TOPIC_PARTITIONS,g as TOPIC_REPLICATION,l as kibanaUrl,k as publishConfig};
