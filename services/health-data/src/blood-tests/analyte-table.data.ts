/**
 * Blood analytes as data: the names they go by, the canonical unit, how other units convert to it
 * (canonical = value * factor + offset), the usual adult reference range in the canonical unit, and the
 * range outside which a value is no measurement. Adding an analyte or a unit is one entry here.
 */
export const ANALYTE_TABLE = {
  glucose: {
    aliases: ['glucose', 'blood glucose', 'fasting glucose', 'glu', 'plasma glucose'],
    unit: 'mg/dL',
    units: {
      'mg/dL': {
        factor: 1,
      },
      'mmol/L': {
        factor: 18.016,
      },
    },
    reference: {
      low: 70,
      high: 99,
    },
    possible: {
      min: 5,
      max: 2000,
    },
  },
  total_cholesterol: {
    aliases: ['total cholesterol', 'cholesterol', 'chol', 'tc'],
    unit: 'mg/dL',
    units: {
      'mg/dL': {
        factor: 1,
      },
      'mmol/L': {
        factor: 38.67,
      },
    },
    reference: {
      high: 200,
    },
    possible: {
      min: 20,
      max: 2000,
    },
  },
  ldl_cholesterol: {
    aliases: ['ldl', 'ldl cholesterol', 'ldl-c', 'ldl-cholesterol'],
    unit: 'mg/dL',
    units: {
      'mg/dL': {
        factor: 1,
      },
      'mmol/L': {
        factor: 38.67,
      },
    },
    reference: {
      high: 100,
    },
    possible: {
      min: 1,
      max: 1500,
    },
  },
  hdl_cholesterol: {
    aliases: ['hdl', 'hdl cholesterol', 'hdl-c', 'hdl-cholesterol'],
    unit: 'mg/dL',
    units: {
      'mg/dL': {
        factor: 1,
      },
      'mmol/L': {
        factor: 38.67,
      },
    },
    reference: {
      low: 40,
    },
    possible: {
      min: 1,
      max: 300,
    },
  },
  triglycerides: {
    aliases: ['triglycerides', 'trig', 'tg', 'triglyceride'],
    unit: 'mg/dL',
    units: {
      'mg/dL': {
        factor: 1,
      },
      'mmol/L': {
        factor: 88.57,
      },
    },
    reference: {
      high: 150,
    },
    possible: {
      min: 5,
      max: 20000,
    },
  },
  hba1c: {
    aliases: ['hba1c', 'a1c', 'hemoglobin a1c', 'haemoglobin a1c', 'glycated hemoglobin'],
    unit: '%',
    units: {
      '%': {
        factor: 1,
      },
      'mmol/mol': {
        factor: 0.09148,
        offset: 2.152,
      },
    },
    reference: {
      low: 4,
      high: 5.6,
    },
    possible: {
      min: 2,
      max: 25,
    },
  },
  creatinine: {
    aliases: ['creatinine', 'crea', 'serum creatinine'],
    unit: 'mg/dL',
    units: {
      'mg/dL': {
        factor: 1,
      },
      'µmol/L': {
        factor: 0.011312,
      },
    },
    reference: {
      low: 0.6,
      high: 1.3,
    },
    possible: {
      min: 0.05,
      max: 30,
    },
  },
  hemoglobin: {
    aliases: ['hemoglobin', 'haemoglobin', 'hgb', 'hb'],
    unit: 'g/dL',
    units: {
      'g/dL': {
        factor: 1,
      },
      'g/L': {
        factor: 0.1,
      },
      'mmol/L': {
        factor: 1.611,
      },
    },
    reference: {
      low: 12,
      high: 17.5,
    },
    possible: {
      min: 1,
      max: 30,
    },
  },
  vitamin_d: {
    aliases: ['vitamin d', '25-oh vitamin d', '25(oh)d', '25-hydroxyvitamin d', 'vit d'],
    unit: 'ng/mL',
    units: {
      'ng/mL': {
        factor: 1,
      },
      'nmol/L': {
        factor: 0.4006,
      },
    },
    reference: {
      low: 30,
      high: 100,
    },
    possible: {
      min: 1,
      max: 500,
    },
  },
  vitamin_b12: {
    aliases: ['vitamin b12', 'b12', 'cobalamin'],
    unit: 'pg/mL',
    units: {
      'pg/mL': {
        factor: 1,
      },
      'pmol/L': {
        factor: 1.355,
      },
      'ng/L': {
        factor: 1,
      },
    },
    reference: {
      low: 200,
      high: 900,
    },
    possible: {
      min: 10,
      max: 10000,
    },
  },
  ferritin: {
    aliases: ['ferritin'],
    unit: 'ng/mL',
    units: {
      'ng/mL': {
        factor: 1,
      },
      'µg/L': {
        factor: 1,
      },
      'pmol/L': {
        factor: 0.445,
      },
    },
    reference: {
      low: 30,
      high: 400,
    },
    possible: {
      min: 0.5,
      max: 100000,
    },
  },
  tsh: {
    aliases: ['tsh', 'thyroid stimulating hormone', 'thyrotropin'],
    unit: 'mIU/L',
    units: {
      'mIU/L': {
        factor: 1,
      },
      'µIU/mL': {
        factor: 1,
      },
    },
    reference: {
      low: 0.4,
      high: 4,
    },
    possible: {
      min: 0.001,
      max: 500,
    },
  },
  alt: {
    aliases: ['alt', 'alanine aminotransferase', 'sgpt', 'gpt'],
    unit: 'U/L',
    units: {
      'U/L': {
        factor: 1,
      },
      'µkat/L': {
        factor: 60,
      },
    },
    reference: {
      low: 7,
      high: 56,
    },
    possible: {
      min: 0,
      max: 20000,
    },
  },
  crp: {
    aliases: ['crp', 'c-reactive protein', 'hs-crp', 'hscrp'],
    unit: 'mg/L',
    units: {
      'mg/L': {
        factor: 1,
      },
      'mg/dL': {
        factor: 10,
      },
      'nmol/L': {
        factor: 0.105,
      },
    },
    reference: {
      high: 5,
    },
    possible: {
      min: 0,
      max: 1000,
    },
  },
  potassium: {
    aliases: ['potassium', 'k', 'k+'],
    unit: 'mmol/L',
    units: {
      'mmol/L': {
        factor: 1,
      },
      'mEq/L': {
        factor: 1,
      },
    },
    reference: {
      low: 3.5,
      high: 5.1,
    },
    possible: {
      min: 0.5,
      max: 15,
    },
  },
  sodium: {
    aliases: ['sodium', 'na', 'na+'],
    unit: 'mmol/L',
    units: {
      'mmol/L': {
        factor: 1,
      },
      'mEq/L': {
        factor: 1,
      },
    },
    reference: {
      low: 135,
      high: 145,
    },
    possible: {
      min: 80,
      max: 200,
    },
  },
} as const;
